internal import CFFmpeg

/// The wall-clock deadline FFmpeg's interrupt callback reads during blocking I/O.
///
/// Its only free is its `deinit`. An `OpenInput` holds it strongly, so it outlives the context
/// whose callback points at it, whichever way that context's owner goes away.
final class Deadline {
    let pointer: UnsafeMutablePointer<cffmpeg_deadline>

    init(seconds: Double) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: cffmpeg_deadline(deadline_us: 0))
        extend(by: seconds)
    }

    /// Moves the deadline to `seconds` from now.
    func extend(by seconds: Double) {
        pointer.pointee.deadline_us = av_gettime_relative() + Int64(seconds * 1_000_000)
    }

    var passed: Bool { cffmpeg_deadline_passed(pointer) != 0 }

    deinit { pointer.deallocate() }
}

/// Owns an `AVFormatContext` that `avformat_open_input` opened: its `deinit` is the only path to
/// `avformat_close_input`. Whatever fails after the open (stream info, a time-out, a throw in a
/// caller) just drops the owner, so the context is closed exactly once.
final class OpenInput {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    let deadline: Deadline

    init(_ pointer: UnsafeMutablePointer<AVFormatContext>, deadline: Deadline) {
        self.pointer = pointer
        self.deadline = deadline
    }

    deinit {
        var toClose: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&toClose)
    }
}

/// One `AVFormatContext` opened on a file, with its stream information read, and the deadline
/// that bounds its I/O.
///
/// Not `Sendable`: it is created, used and freed inside one call (swift-crypto's pattern of a
/// final class per C object). Only `Sendable` values leave this module. It frees nothing itself:
/// the `OpenInput` and `Deadline` it holds do, each once, so a throwing initialiser cannot free
/// twice (a class whose initialiser throws after setting every property still runs `deinit`).
final class FormatContext {
    /// Demuxers Custody accepts. Playlist and "virtual" demuxers (hls, concat, image2, tty…)
    /// are refused so that a crafted file cannot make FFmpeg read other files or the network.
    static let demuxerWhitelist = [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "mpegts", "mpegtsraw",
        "mxf", "flv", "live_flv", "asf", "mpeg", "mpegvideo", "h264", "hevc", "mjpeg", "dv", "nut",
        "gxf", "wav", "mp3", "aac", "ogg", "flac", "amr", "rm",
    ].joined(separator: ",")

    private let input: OpenInput
    let path: String
    var pointer: UnsafeMutablePointer<AVFormatContext> { input.pointer }

    /// Opens `path` and reads its stream information.
    init(path: String, timeLimit: Double) throws(MediaProbeError) {
        FFmpegLibrary.setUp()
        let deadline = Deadline(seconds: timeLimit)

        guard let allocated = avformat_alloc_context() else {
            throw MediaProbeError(.openFailed, path: path, message: "FFmpeg could not allocate a demuxer context.")
        }
        cffmpeg_install_deadline(allocated, deadline.pointer)
        allocated.pointee.format_whitelist = av_strdup(Self.demuxerWhitelist)
        var context: UnsafeMutablePointer<AVFormatContext>? = allocated

        var options: OpaquePointer? = nil
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        // "file:" keeps a name such as "concat:x" or "a:b.mp4" from being read as a protocol.
        let status = avformat_open_input(&context, "file:" + path, nil, &options)
        av_dict_free(&options)
        guard status >= 0, let opened = context else {
            // avformat_open_input frees the context on failure; nothing owns it here.
            let passed = deadline.passed
            throw MediaProbeError(
                passed ? .timedOut : .openFailed, path: path, averror: status,
                message: passed
                    ? "Opening the file took longer than \(Int(timeLimit)) s and was stopped."
                    : FFmpegLibrary.openFailureSentence(status))
        }
        // From here on the owner is the only way the context is closed.
        let input = OpenInput(opened, deadline: deadline)

        let info = avformat_find_stream_info(input.pointer, nil)
        if info < 0 {
            let passed = deadline.passed
            throw MediaProbeError(
                passed ? .timedOut : .openFailed, path: path, averror: info,
                message: passed
                    ? "Reading the stream headers took longer than \(Int(timeLimit)) s and was stopped."
                    : "The demuxer opened the file but could not read its streams (\(FFmpegLibrary.errorString(info))).")
        }
        self.input = input
        self.path = path
    }

    var deadlinePassed: Bool { input.deadline.passed }

    /// Moves the deadline to `seconds` from now (the packet scan gets its own budget).
    func extendDeadline(by seconds: Double) {
        input.deadline.extend(by: seconds)
    }

    var streamCount: Int { Int(pointer.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        pointer.pointee.streams[index]!
    }
}

/// Process-wide FFmpeg set-up and error text.
enum FFmpegLibrary {
    /// The largest single allocation FFmpeg may make. A 1,378-byte AVI found by the fuzzer had
    /// the demuxer grow one index to 1.7 GB (ffprobe too): with the cap the allocation fails,
    /// the open fails with ENOMEM and the file is judged unreadable. 256 MiB is far above a real
    /// clip's needs (a 4K frame is ~12 MB; ten hours of index at 60 fps ~50 MB).
    static let maxAllocation = 256 << 20

    private static let once: Void = {
        cffmpeg_quiet()
        av_max_alloc(maxAllocation)
    }()

    static func setUp() { _ = once }

    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func openFailureSentence(_ code: Int32) -> String {
        if code == cffmpeg_averror_invaliddata() {
            return "No demuxer recognises this file as audio or video (invalid data found when processing input)."
        } else if code == cffmpeg_averror(EINVAL) {
            return "The file is not in a video container format that Custody accepts."
        } else if code == cffmpeg_averror_eof() {
            return "The file ends before its container header is complete."
        } else if code == cffmpeg_averror(ENOENT) {
            return "The file does not exist."
        } else if code == cffmpeg_averror(EACCES) {
            return "The file cannot be read: permission denied."
        }
        return "FFmpeg could not open the file (\(errorString(code)))."
    }
}
