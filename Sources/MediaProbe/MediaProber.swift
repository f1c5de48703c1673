internal import CFFmpeg
#if canImport(Glibc)
internal import Glibc
#endif

/// Reads a media file's metadata with libavformat and judges its integrity from the index and
/// a scan of every packet. Nothing is decoded and nothing is written.
public enum MediaProber {
    /// Probes one file. Never throws: an unreadable file is a result, with `integrity` and `error` set.
    public static func probe(path: String, options: ProbeOptions = ProbeOptions()) -> MediaInfo {
        let fileSize = Self.fileSize(path)
        let context: FormatContext
        do {
            context = try FormatContext(path: path, timeLimit: options.timeLimit)
        } catch {
            return .unreadable(error.message)
        }
        var info = describe(context)
        info.fragmented = info.formatName?.hasPrefix("mov") == true && MP4Boxes.isFragmented(path: path)

        var problems: [String] = []
        if context.streamCount == 0 {
            problems.append("The container declares no streams: its header or index is cut off.")
        }
        if let fileSize, let end = indexEnd(context), end > fileSize {
            problems.append("The sample index points to byte \(end), past the end of the \(fileSize)-byte file.")
        }

        var scan = PacketScan()
        if options.scanPackets && context.streamCount > 0 {
            // A scan reads the whole file: give it time in proportion to its size (≥ 20 MB/s).
            let budget = max(options.timeLimit, Double(fileSize ?? 0) / 20_000_000)
            context.extendDeadline(by: budget)
            scan = scanPackets(context)
            for (i, count) in scan.packetsPerStream.enumerated() where i < info.streams.count {
                info.streams[i].packets = count
            }
            info.packetCount = scan.packets
            info.packetDuration = scan.span
            if let failure = scan.failure {
                problems.append(failure)
            }
            if scan.failure == nil {
                for stream in info.streams where stream.packets == 0 && (stream.codecType == "video" || stream.codecType == "audio") {
                    if let declared = stream.declaredFrames, declared > 0 {
                        let unit = stream.codecType == "video" ? "frames" : "audio frames"
                        problems.append("Stream \(stream.index) (\(stream.codecType)) declares \(declared) \(unit) but none are present.")
                    }
                }
            }
        }

        // Duration: the container's figure, except where it is absent or a known placeholder.
        let clean = problems.isEmpty
        if info.fragmented, clean, let span = scan.span {
            // A fragmented MP4's moov is written before recording and its duration is a guess
            // (one corpus file claims 3900 s for 8 s of video); the fragments are the truth.
            info.duration = span
            info.durationSource = .packets
        } else if let declared = info.containerDuration {
            info.duration = declared
            info.durationSource = .container
            if clean, options.scanPackets, let span = scan.span {
                let tolerance = max(options.truncationToleranceSeconds, options.truncationToleranceShare * declared)
                if span < declared - tolerance {
                    problems.append(
                        "Packets stop after \(formatSeconds(span)) s of the declared \(formatSeconds(declared)) s.")
                }
            }
        } else if let span = scan.span {
            info.duration = span
            info.durationSource = .packets
        }

        if !problems.isEmpty {
            info.integrity = .truncated
            info.error = problems.joined(separator: " ")
        }
        return info
    }

    // MARK: - Container and streams

    private static func describe(_ context: FormatContext) -> MediaInfo {
        let format = context.pointer.pointee
        var info = MediaInfo(integrity: .ok)
        if let iformat = format.iformat, let name = iformat.pointee.name {
            info.formatName = String(cString: name)
        }
        if format.duration != cffmpeg_nopts_value() && format.duration >= 0 {
            info.containerDuration = Double(format.duration) / Double(cffmpeg_time_base())
        }
        if format.bit_rate > 0 {
            info.bitRate = Int(format.bit_rate)
        }
        info.tags = dictionary(format.metadata)
        for i in 0..<context.streamCount {
            info.streams.append(describe(stream: context.stream(i), index: i))
        }
        return info
    }

    private static func describe(stream: UnsafeMutablePointer<AVStream>, index: Int) -> StreamInfo {
        let st = stream.pointee
        let par = st.codecpar.pointee
        let codecType = av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown"
        let codecName = avcodec_descriptor_get(par.codec_id).map { String(cString: $0.pointee.name) } ?? "unknown"
        var info = StreamInfo(index: index, codecType: codecType, codecName: codecName)
        if st.nb_frames > 0 {
            info.declaredFrames = Int(st.nb_frames)
        }
        switch par.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            if par.width > 0 { info.width = Int(par.width) }
            if par.height > 0 { info.height = Int(par.height) }
            info.frameRate = rate(st.avg_frame_rate) ?? rate(st.r_frame_rate)
        case AVMEDIA_TYPE_AUDIO:
            info.sampleRate = Int(par.sample_rate)
            info.channels = Int(par.ch_layout.nb_channels)
        default:
            break
        }
        return info
    }

    private static func rate(_ r: AVRational) -> Double? {
        guard r.num > 0, r.den > 0 else { return nil }
        let value = Double(r.num) / Double(r.den)
        // Container "rates" such as 90000/1 are time bases, not frame rates.
        return value < 1000 ? value : nil
    }

    static func dictionary(_ dict: OpaquePointer?) -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(dict, "", entry, AV_DICT_IGNORE_SUFFIX) {
            result[String(cString: next.pointee.key)] = String(cString: next.pointee.value)
            entry = next
        }
        return result
    }

    // MARK: - Integrity

    /// The furthest byte any index entry points to, over all streams.
    private static func indexEnd(_ context: FormatContext) -> Int64? {
        var furthest: Int64? = nil
        for i in 0..<context.streamCount {
            let st = context.stream(i)
            let count = avformat_index_get_entries_count(st)
            guard count > 0 else { continue }
            for j in 0..<count {
                guard let entry = avformat_index_get_entry(st, j), entry.pointee.pos >= 0 else { continue }
                let end = cffmpeg_index_entry_end(entry)
                if end > (furthest ?? Int64.min) { furthest = end }
            }
        }
        return furthest
    }

    private struct PacketScan {
        var packets = 0
        var packetsPerStream: [Int] = []
        var start: Double? = nil
        var end: Double? = nil
        var failure: String? = nil
        var span: Double? {
            guard let start, let end, end >= start else { return nil }
            return end - start
        }
    }

    private static func scanPackets(_ context: FormatContext) -> PacketScan {
        var scan = PacketScan()
        scan.packetsPerStream = Array(repeating: 0, count: context.streamCount)
        guard let packet = av_packet_alloc() else {
            scan.failure = "FFmpeg could not allocate a packet."
            return scan
        }
        defer {
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
        }
        let nopts = cffmpeg_nopts_value()
        while true {
            let status = av_read_frame(context.pointer, packet)
            if status == cffmpeg_averror_eof() { break }
            if status < 0 {
                if context.deadlinePassed {
                    scan.failure = "The packet scan did not finish in time and was stopped."
                } else {
                    let at = scan.end.map { " after \(formatSeconds($0 - (scan.start ?? 0))) s" } ?? ""
                    scan.failure = "Reading stopped\(at): \(FFmpegLibrary.errorString(status))."
                }
                break
            }
            let p = packet.pointee
            let streamIndex = Int(p.stream_index)
            if streamIndex < scan.packetsPerStream.count {
                scan.packetsPerStream[streamIndex] += 1
                let ts = p.pts != nopts ? p.pts : p.dts
                if ts != nopts {
                    let tb = context.stream(streamIndex).pointee.time_base
                    if tb.den > 0 {
                        let unit = Double(tb.num) / Double(tb.den)
                        let begin = Double(ts) * unit
                        let finish = Double(ts + max(p.duration, 0)) * unit
                        scan.start = min(scan.start ?? begin, begin)
                        scan.end = max(scan.end ?? finish, finish)
                    }
                }
            }
            scan.packets += 1
            av_packet_unref(packet)  // the one allocation is reused for every packet
        }
        return scan
    }

    // MARK: - Helpers

    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    static func formatSeconds(_ s: Double) -> String {
        let rounded = (s * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
