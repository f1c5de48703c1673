internal import CFFmpeg
#if canImport(Glibc)
internal import Glibc
#endif

/// What a clip's picture and sound were like, second by second: the raw material of the
/// obscured, frozen and muted stretches (issue 14). Key frames only for the picture, every
/// audio sample for the sound.
public struct SignalProfile: Sendable, Equatable {
    /// One decoded key frame, reduced to a grid of cell means (luma on 0…255, black = 0).
    public struct VideoSample: Sendable, Equatable {
        /// Seconds from the file's first frame.
        public var time: Double
        /// Mean luma of the frame.
        public var mean: Double
        /// Standard deviation of the cell means: near 0 for a uniform picture.
        public var spread: Double
        /// Share of cells darker than `SignalThresholds.darkLevel`.
        public var darkShare: Double
        /// Mean absolute difference of the cell means from the sample before (nil for the first).
        public var change: Double?

        public init(time: Double, mean: Double, spread: Double, darkShare: Double, change: Double?) {
            self.time = time
            self.mean = mean
            self.spread = spread
            self.darkShare = darkShare
            self.change = change
        }
    }

    /// Seconds, from the container (else the last timestamp seen).
    public var duration: Double
    public var hasVideo: Bool
    public var hasAudio: Bool
    public var video: [VideoSample]
    /// Seconds per audio window.
    public var audioWindow: Double
    /// RMS level of each audio window in dBFS (`-infinity` for digital silence or no samples).
    public var audioLevels: [Double]
    /// Median spacing of the decoded key frames (nil with fewer than two).
    public var keyframeInterval: Double? {
        guard video.count > 1 else { return nil }
        let gaps = zip(video.dropFirst(), video).map { $0.time - $1.time }.sorted()
        return gaps[gaps.count / 2]
    }

    public init(duration: Double, hasVideo: Bool, hasAudio: Bool, video: [VideoSample], audioWindow: Double, audioLevels: [Double]) {
        self.duration = duration
        self.hasVideo = hasVideo
        self.hasAudio = hasAudio
        self.video = video
        self.audioWindow = audioWindow
        self.audioLevels = audioLevels
    }
}

/// Limits on one analysis.
public struct SignalOptions: Sendable {
    /// Seconds for opening the file and reading its headers.
    public var timeLimit: Double = 30
    /// Whole-analysis budget: at least this, more for a long clip (see `budget`).
    public var minimumBudget: Double = 60
    /// Decoder threads for the picture (0 = as many as there are cores, at most 4).
    public var threads: Int = 0
    /// Seconds per audio level window.
    public var audioWindow: Double = 0.1

    public init() {}
}

/// Decodes a clip's key frames and audio with libavcodec and reduces them to a `SignalProfile`.
public enum SignalAnalyzer {
    /// Grid the picture is reduced to.
    static let gridWidth = 32, gridHeight = 18
    /// No clip is analysed past this many seconds of media (the audio window array is bounded).
    static let maxSeconds = 48.0 * 3600

    public static func analyze(path: String, options: SignalOptions = SignalOptions()) throws(MediaProbeError) -> SignalProfile {
        let context = try FormatContext(path: path, timeLimit: options.timeLimit)
        let format = context.pointer.pointee
        let declared = format.duration > 0 && format.duration != cffmpeg_nopts_value()
            ? Double(format.duration) / Double(cffmpeg_time_base()) : nil
        var origin = format.start_time != cffmpeg_nopts_value() ? Double(format.start_time) / Double(cffmpeg_time_base()) : 0
        // A long clip gets time in proportion: key frames and audio decode at well over 20× real time.
        context.extendDeadline(by: max(options.minimumBudget, (declared ?? 0) / 20))

        let video = try VideoReducer(context: context, threads: options.threads)
        // Times count from the first video frame (audio often starts a few tens of ms earlier,
        // AAC's priming), as FFmpeg's own filters report them.
        if let video {
            let stream = context.stream(Int(video.stream)).pointee
            if stream.start_time != cffmpeg_nopts_value(), stream.time_base.den > 0 {
                let start = Double(stream.start_time) * Double(stream.time_base.num) / Double(stream.time_base.den)
                if start.isFinite, abs(start - origin) < 60 { origin = start }
            }
        }
        let audio = try AudioMeter(context: context, window: options.audioWindow)
        guard video != nil || audio != nil else {
            throw MediaProbeError(.noVideoStream, path: path, message: "The file has neither a video nor an audio stream to analyse.")
        }

        let packet = try Packet(path: path)
        let frame = try Frame(path: path)
        var lastTime = 0.0
        while av_read_frame(context.pointer, packet.pointer) >= 0 {
            defer { av_packet_unref(packet.pointer) }
            if context.deadlinePassed {
                throw MediaProbeError(.timedOut, path: path, message: "Analysing the file took longer than its time budget and was stopped.")
            }
            let index = packet.pointer.pointee.stream_index
            let tb = context.stream(Int(index)).pointee.time_base
            if packet.pointer.pointee.pts != cffmpeg_nopts_value(), tb.den > 0 {
                let t = Double(packet.pointer.pointee.pts + max(0, packet.pointer.pointee.duration)) * Double(tb.num) / Double(tb.den) - origin
                if t.isFinite, t < maxSeconds { lastTime = max(lastTime, t) }
            }
            if let video, index == video.stream {
                // Key frames only: the decoder never sees the rest.
                guard packet.pointer.pointee.flags & cffmpeg_pkt_flag_key() != 0 else { continue }
                video.send(packet.pointer, frame: frame, origin: origin)
            } else if let audio, index == audio.stream {
                audio.send(packet.pointer, frame: frame, origin: origin)
            }
        }
        video?.send(nil, frame: frame, origin: origin)
        audio?.send(nil, frame: frame, origin: origin)
        if context.deadlinePassed {
            throw MediaProbeError(.timedOut, path: path, message: "Analysing the file took longer than its time budget and was stopped.")
        }
        // The container's duration, unless the media in the file ends well before it (a cut-off
        // file, or a fragmented MP4's placeholder: one corpus file declares 3900 s for 8 s).
        var duration = declared.map { max($0, 0) } ?? lastTime
        if lastTime > 0, lastTime < duration - 1 { duration = lastTime }
        duration = min(maxSeconds, duration)
        if let video, video.samples.isEmpty, audio == nil || audio?.decodedAny == false {
            throw MediaProbeError(.decodeFailed, path: path, message: "No picture and no sound could be decoded from the file.")
        }
        return SignalProfile(
            duration: duration, hasVideo: video != nil, hasAudio: audio != nil, video: video?.samples ?? [],
            audioWindow: options.audioWindow, audioLevels: audio?.levels(duration: duration) ?? [])
    }
}

/// Decodes the main video stream's key frames and reduces each to a grid of cell means.
final class VideoReducer {
    let stream: Int32
    private let decoder: CodecContext
    private let path: String
    private(set) var samples: [SignalProfile.VideoSample] = []
    /// The grid of the key frame before: its change is judged against it. Key frames come out
    /// of the decoder in presentation order (they reference nothing), so one grid is kept, not
    /// one per frame (a ten-hour clip has 36,000 key frames).
    private var previous: (time: Double, grid: [Double])?
    private var grey: Frame?
    private var sws: OpaquePointer?
    private var swsKey: (Int32, Int32, Int32) = (0, 0, -1)

    init?(context: FormatContext, threads: Int) throws(MediaProbeError) {
        var codec: UnsafePointer<AVCodec>? = nil
        let index = av_find_best_stream(context.pointer, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        guard index >= 0, let codec else { return nil }
        // Attached pictures (cover art) are not the recording.
        if context.stream(Int(index)).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 { return nil }
        stream = index
        path = context.path
        decoder = try CodecContext(codec: codec, path: path)
        let ctx = decoder.pointer
        guard avcodec_parameters_to_context(ctx, context.stream(Int(index)).pointee.codecpar) >= 0 else { return nil }
        ctx.pointee.pkt_timebase = context.stream(Int(index)).pointee.time_base
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        ctx.pointee.thread_count = Int32(threads > 0 ? threads : max(1, min(4, cores)))
        ctx.pointee.skip_frame = AVDISCARD_NONKEY
        // The grid averages blocks of tens of pixels: the deblocking filter changes nothing it sees.
        ctx.pointee.skip_loop_filter = AVDISCARD_ALL
        ctx.pointee.flags2 |= AV_CODEC_FLAG2_FAST
        guard avcodec_open2(ctx, codec, nil) >= 0 else { return nil }
    }

    deinit { if let sws { sws_freeContext(sws) } }

    func send(_ packet: UnsafeMutablePointer<AVPacket>?, frame: Frame, origin: Double) {
        let sent = avcodec_send_packet(decoder.pointer, packet)
        if sent < 0 && sent != cffmpeg_averror_eagain() && packet != nil { return }  // a damaged packet: skip it
        while avcodec_receive_frame(decoder.pointer, frame.pointer) >= 0 {
            defer { av_frame_unref(frame.pointer) }
            let f = frame.pointer.pointee
            let pts = f.best_effort_timestamp != cffmpeg_nopts_value() ? f.best_effort_timestamp : f.pts
            let tb = decoder.pointer.pointee.pkt_timebase
            guard pts != cffmpeg_nopts_value(), tb.den > 0 else { continue }
            let time = Double(pts) * Double(tb.num) / Double(tb.den) - origin
            guard time.isFinite, time > -1, time < SignalAnalyzer.maxSeconds else { continue }
            // A repeated or out-of-order timestamp (a damaged file) is not a new picture.
            if let previous, max(0, time) <= previous.time { continue }
            guard let grid = reduce(frame.pointer) else { continue }
            let n = Double(grid.count)
            let mean = grid.reduce(0, +) / n
            let variance = grid.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let dark = Double(grid.filter { $0 < SignalThresholds.darkLevel }.count) / n
            var change: Double? = nil
            if let previous, previous.grid.count == grid.count {
                var sum = 0.0
                for k in grid.indices { sum += abs(grid[k] - previous.grid[k]) }
                change = sum / n
            }
            samples.append(.init(time: max(0, time), mean: mean, spread: variance.squareRoot(), darkShare: dark, change: change))
            previous = (max(0, time), grid)
        }
    }

    /// The frame's luma as `gridWidth × gridHeight` cell means on 0…255 (limited range expanded).
    private func reduce(_ frame: UnsafeMutablePointer<AVFrame>) -> [Double]? {
        let f = frame.pointee
        let width = Int(f.width), height = Int(f.height)
        guard width >= 2, height >= 2, let format = AVPixelFormat(rawValue: f.format) as AVPixelFormat? else { return nil }
        let descriptor = av_pix_fmt_desc_get(format)
        guard let descriptor else { return nil }
        let isRGB = descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0
        let isPlanarYUV = !isRGB && descriptor.pointee.nb_components >= 1 && descriptor.pointee.comp.0.plane == 0
            && descriptor.pointee.comp.0.step <= 2 && descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL) == 0
            && descriptor.pointee.comp.0.offset == 0 && descriptor.pointee.comp.0.shift == 0
        let full = f.color_range == AVCOL_RANGE_JPEG || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P].contains(format)
        if isPlanarYUV, let plane = f.data.0 {
            let depth = Int(descriptor.pointee.comp.0.depth)
            let step = Int(descriptor.pointee.comp.0.step)
            return grid(plane: plane, linesize: Int(f.linesize.0), width: width, height: height, bytesPerSample: step, depth: depth, fullRange: full)
        }
        // Anything else (RGB, packed YUV): libswscale to 8-bit grey first.
        return greyGrid(frame, width: width, height: height)
    }

    private func grid(plane: UnsafeMutablePointer<UInt8>, linesize: Int, width: Int, height: Int, bytesPerSample: Int, depth: Int, fullRange: Bool) -> [Double] {
        let gw = SignalAnalyzer.gridWidth, gh = SignalAnalyzer.gridHeight
        var sums = [Int](repeating: 0, count: gw * gh)
        var counts = [Int](repeating: 0, count: gw * gh)
        // A cell averages a block of ~60 × 60 pixels at 1080p: every fourth pixel of every fourth
        // row (225 of them) is plenty; every second below 1280, every one below 640.
        let stride = width >= 1280 ? 4 : width >= 640 ? 2 : 1
        let shift = max(0, depth - 8)
        // Each cell's first and last column, worked out once per frame, not per pixel.
        let columnStart = (0...gw).map { $0 * width / gw }
        var y = 0
        while y < height {
            let row = plane + y * linesize
            let base = (y * gh / height) * gw
            for cx in 0..<gw {
                var x = columnStart[cx], sum = 0, n = 0
                let end = columnStart[cx + 1]
                if bytesPerSample == 1 {
                    while x < end { sum += Int(row[x]); n += 1; x += stride }
                } else {
                    row.withMemoryRebound(to: UInt16.self, capacity: width) { wide in
                        while x < end { sum += Int(UInt16(littleEndian: wide[x])) >> shift; n += 1; x += stride }
                    }
                }
                sums[base + cx] += sum
                counts[base + cx] += n
            }
            y += stride
        }
        return zip(sums, counts).map { sum, count in
            let v = count > 0 ? Double(sum) / Double(count) : 0
            return fullRange ? v : min(255, max(0, (v - 16) * 255 / 219))
        }
    }

    private func greyGrid(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) -> [Double]? {
        let gw = SignalAnalyzer.gridWidth * 2, gh = SignalAnalyzer.gridHeight * 2
        let key = (Int32(width), Int32(height), frame.pointee.format)
        if sws == nil || swsKey != key {
            if let sws { sws_freeContext(sws) }
            sws = sws_getContext(key.0, key.1, AVPixelFormat(rawValue: key.2), Int32(gw), Int32(gh), AV_PIX_FMT_GRAY8, SWS_AREA, nil, nil, nil)
            swsKey = key
            grey = nil
        }
        guard let sws else { return nil }
        if grey == nil {
            guard let g = try? Frame(path: path) else { return nil }
            g.pointer.pointee.width = Int32(gw)
            g.pointer.pointee.height = Int32(gh)
            g.pointer.pointee.format = AV_PIX_FMT_GRAY8.rawValue
            guard av_frame_get_buffer(g.pointer, 0) >= 0 else { return nil }
            grey = g
        }
        guard let grey, sws_scale_frame(sws, grey.pointer, frame) >= 0, let plane = grey.pointer.pointee.data.0 else { return nil }
        // GRAY8 from libswscale is full range.
        return grid(plane: plane, linesize: Int(grey.pointer.pointee.linesize.0), width: gw, height: gh, bytesPerSample: 1, depth: 8, fullRange: true)
    }
}

/// Decodes the main audio stream in full and keeps the energy of each window.
final class AudioMeter {
    let stream: Int32
    private let decoder: CodecContext
    private let window: Double
    private var energy: [Double] = []
    private var counts: [Int] = []
    private(set) var decodedAny = false

    init?(context: FormatContext, window: Double) throws(MediaProbeError) {
        var codec: UnsafePointer<AVCodec>? = nil
        let index = av_find_best_stream(context.pointer, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0)
        guard index >= 0, let codec else { return nil }
        stream = index
        self.window = window
        decoder = try CodecContext(codec: codec, path: context.path)
        let ctx = decoder.pointer
        guard avcodec_parameters_to_context(ctx, context.stream(Int(index)).pointee.codecpar) >= 0 else { return nil }
        ctx.pointee.pkt_timebase = context.stream(Int(index)).pointee.time_base
        ctx.pointee.thread_count = 1
        guard avcodec_open2(ctx, codec, nil) >= 0 else { return nil }
    }

    func send(_ packet: UnsafeMutablePointer<AVPacket>?, frame: Frame, origin: Double) {
        let sent = avcodec_send_packet(decoder.pointer, packet)
        if sent < 0 && sent != cffmpeg_averror_eagain() && packet != nil { return }
        while avcodec_receive_frame(decoder.pointer, frame.pointer) >= 0 {
            defer { av_frame_unref(frame.pointer) }
            accumulate(frame.pointer, origin: origin)
        }
    }

    private func accumulate(_ frame: UnsafeMutablePointer<AVFrame>, origin: Double) {
        let f = frame.pointee
        let rate = Double(f.sample_rate)
        let samples = Int(f.nb_samples)
        let channels = Int(f.ch_layout.nb_channels)
        guard rate > 0, samples > 0, channels > 0, let format = AVSampleFormat(rawValue: f.format) as AVSampleFormat? else { return }
        let pts = f.best_effort_timestamp != cffmpeg_nopts_value() ? f.best_effort_timestamp : f.pts
        let tb = decoder.pointer.pointee.pkt_timebase
        guard pts != cffmpeg_nopts_value(), tb.den > 0 else { return }
        let start = Double(pts) * Double(tb.num) / Double(tb.den) - origin
        guard start.isFinite, start > -10, start < SignalAnalyzer.maxSeconds else { return }
        decodedAny = true
        let planar = av_sample_fmt_is_planar(format) != 0
        let packed = av_get_packed_sample_fmt(format)
        // The windows this frame touches: each run of samples up to the next window boundary.
        var i = 0
        while i < samples {
            let t = start + Double(i) / rate
            let w = Int((t / window).rounded(.down))
            let nextBoundary = Int(((Double(w + 1) * window - start) * rate).rounded(.up))
            let end = min(samples, max(i + 1, nextBoundary))
            var sum = 0.0
            for c in 0..<channels {
                guard let base = planar ? frame.pointee.extended_data[c] : frame.pointee.extended_data[0] else { continue }
                sum += Self.sumOfSquares(base, format: packed, from: i, to: end, channel: planar ? 0 : c, stride: planar ? 1 : channels)
            }
            if w >= 0 {
                if w >= energy.count {
                    let grow = w + 1 - energy.count
                    energy.append(contentsOf: repeatElement(0, count: grow))
                    counts.append(contentsOf: repeatElement(0, count: grow))
                }
                energy[w] += sum
                counts[w] += (end - i) * channels
            }
            i = end
        }
    }

    /// Sum of squares of samples `from..<to` of one channel, on a full scale of ±1.
    static func sumOfSquares(_ base: UnsafeMutablePointer<UInt8>, format: AVSampleFormat, from: Int, to: Int, channel: Int, stride: Int) -> Double {
        var sum = 0.0
        switch format {
        case AV_SAMPLE_FMT_FLT:
            base.withMemoryRebound(to: Float.self, capacity: to * stride) { p in
                var k = from * stride + channel
                for _ in from..<to { let v = Double(p[k]); sum += v * v; k += stride }
            }
        case AV_SAMPLE_FMT_DBL:
            base.withMemoryRebound(to: Double.self, capacity: to * stride) { p in
                var k = from * stride + channel
                for _ in from..<to { let v = p[k]; sum += v * v; k += stride }
            }
        case AV_SAMPLE_FMT_S16:
            base.withMemoryRebound(to: Int16.self, capacity: to * stride) { p in
                var k = from * stride + channel
                for _ in from..<to { let v = Double(p[k]) / 32768; sum += v * v; k += stride }
            }
        case AV_SAMPLE_FMT_S32:
            base.withMemoryRebound(to: Int32.self, capacity: to * stride) { p in
                var k = from * stride + channel
                for _ in from..<to { let v = Double(p[k]) / 2_147_483_648; sum += v * v; k += stride }
            }
        case AV_SAMPLE_FMT_U8:
            var k = from * stride + channel
            for _ in from..<to { let v = (Double(base[k]) - 128) / 128; sum += v * v; k += stride }
        default:
            break  // 64-bit integer samples: no decoder Custody meets produces them
        }
        return sum
    }

    /// dBFS of each window over `duration` (windows with no sample are silent).
    func levels(duration: Double) -> [Double] {
        let n = max(energy.count, Int((duration / window).rounded(.up)))
        return (0..<min(n, Int(SignalAnalyzer.maxSeconds / window))).map { w in
            guard w < energy.count, counts[w] > 0, energy[w] > 0 else { return -Double.infinity }
            return 10 * log10(energy[w] / Double(counts[w]))
        }
    }
}
