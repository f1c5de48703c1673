internal import CFFmpeg

/// A JPEG still of a clip: the first key frame, decoded with libavcodec, converted with
/// libswscale and encoded with libavcodec's MJPEG encoder.
public struct Thumbnail: Sendable, Equatable {
    public var jpeg: [UInt8]
    public var width: Int
    public var height: Int
}

public enum Thumbnailer {
    /// Makes a thumbnail of the first key frame of the file's main video stream.
    /// - Parameter maxWidth: scale down (keeping the aspect ratio) when the frame is wider.
    public static func thumbnail(path: String, maxWidth: Int? = nil, timeLimit: Double = 30) throws(MediaProbeError) -> Thumbnail {
        let context = try FormatContext(path: path, timeLimit: timeLimit)
        var decoderPointer: UnsafePointer<AVCodec>? = nil
        let streamIndex = av_find_best_stream(context.pointer, AVMEDIA_TYPE_VIDEO, -1, -1, &decoderPointer, 0)
        guard streamIndex >= 0 else {
            throw MediaProbeError(.noVideoStream, path: path, averror: streamIndex, message: "The file has no video stream to take a still from.")
        }
        guard let decoder = decoderPointer else {
            throw MediaProbeError(.decoderUnavailable, path: path, message: "FFmpeg has no decoder for this video stream.")
        }
        let decoding = try CodecContext(codec: decoder, path: path)
        let parameters = context.stream(Int(streamIndex)).pointee.codecpar
        guard avcodec_parameters_to_context(decoding.pointer, parameters) >= 0 else {
            throw MediaProbeError(.decoderUnavailable, path: path, message: "The video stream's parameters are not usable by its decoder.")
        }
        decoding.pointer.pointee.thread_count = 1
        decoding.pointer.pointee.skip_frame = AVDISCARD_NONKEY
        try decoding.open(decoder, path: path, what: "decoder")

        let frame = try Frame(path: path)
        try decodeFirstFrame(context: context, stream: streamIndex, decoder: decoding, into: frame)

        var width = Int(frame.pointer.pointee.width)
        var height = Int(frame.pointer.pointee.height)
        if let maxWidth, width > maxWidth, maxWidth > 0 {
            height = max(2, (height * maxWidth / width) & ~1)
            width = maxWidth
        }
        let scaled = try scale(frame, width: width, height: height, path: path)
        let jpeg = try encodeJPEG(scaled, path: path)
        return Thumbnail(jpeg: jpeg, width: width, height: height)
    }

    private static func decodeFirstFrame(context: FormatContext, stream: Int32, decoder: CodecContext, into frame: Frame) throws(MediaProbeError) {
        let packet = try Packet(path: context.path)
        var flushed = false
        while true {
            if !flushed {
                let status = av_read_frame(context.pointer, packet.pointer)
                if status < 0 {
                    // End of file or a read error: drain what the decoder holds.
                    avcodec_send_packet(decoder.pointer, nil)
                    flushed = true
                } else {
                    defer { av_packet_unref(packet.pointer) }
                    guard packet.pointer.pointee.stream_index == stream else { continue }
                    let sent = avcodec_send_packet(decoder.pointer, packet.pointer)
                    if sent < 0 && sent != cffmpeg_averror_eagain() { continue }  // skip a damaged packet
                }
            }
            let received = avcodec_receive_frame(decoder.pointer, frame.pointer)
            if received >= 0 { return }
            if received == cffmpeg_averror_eagain() && !flushed { continue }
            if context.deadlinePassed {
                throw MediaProbeError(.timedOut, path: context.path, message: "No frame was decoded before the time limit.")
            }
            throw MediaProbeError(.decodeFailed, path: context.path, averror: received, message: "No video frame could be decoded from the file.")
        }
    }

    private static func scale(_ source: Frame, width: Int, height: Int, path: String) throws(MediaProbeError) -> Frame {
        let src = source.pointer.pointee
        guard let sws = sws_getContext(
            src.width, src.height, AVPixelFormat(rawValue: src.format),
            Int32(width), Int32(height), AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nil, nil, nil)
        else {
            throw MediaProbeError(.scaleFailed, path: path, message: "libswscale cannot convert this frame's pixel format.")
        }
        defer { sws_freeContext(sws) }
        let target = try Frame(path: path)
        target.pointer.pointee.width = Int32(width)
        target.pointer.pointee.height = Int32(height)
        target.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        guard av_frame_get_buffer(target.pointer, 0) >= 0,
              sws_scale_frame(sws, target.pointer, source.pointer) >= 0
        else {
            throw MediaProbeError(.scaleFailed, path: path, message: "libswscale failed to convert the frame.")
        }
        return target
    }

    private static func encodeJPEG(_ frame: Frame, path: String) throws(MediaProbeError) -> [UInt8] {
        guard let encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw MediaProbeError(.encodeFailed, path: path, message: "This FFmpeg build has no MJPEG encoder.")
        }
        let encoding = try CodecContext(codec: encoder, path: path)
        let ctx = encoding.pointer
        ctx.pointee.width = frame.pointer.pointee.width
        ctx.pointee.height = frame.pointer.pointee.height
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        ctx.pointee.time_base = AVRational(num: 1, den: 25)
        ctx.pointee.flags |= AV_CODEC_FLAG_QSCALE
        ctx.pointee.thread_count = 1
        try encoding.open(encoder, path: path, what: "JPEG encoder")
        frame.pointer.pointee.quality = FF_QP2LAMBDA * 3
        frame.pointer.pointee.pts = 0

        guard avcodec_send_frame(ctx, frame.pointer) >= 0 else {
            throw MediaProbeError(.encodeFailed, path: path, message: "The JPEG encoder refused the frame.")
        }
        avcodec_send_frame(ctx, nil)
        let packet = try Packet(path: path)
        let status = avcodec_receive_packet(ctx, packet.pointer)
        guard status >= 0, let data = packet.pointer.pointee.data else {
            throw MediaProbeError(.encodeFailed, path: path, averror: status, message: "The JPEG encoder produced no image.")
        }
        return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointer.pointee.size)))
    }
}

/// Owns an `AVCodecContext`.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init(codec: UnsafePointer<AVCodec>, path: String) throws(MediaProbeError) {
        guard let ctx = avcodec_alloc_context3(codec) else {
            throw MediaProbeError(.decoderUnavailable, path: path, message: "FFmpeg could not allocate a codec context.")
        }
        pointer = ctx
    }

    func open(_ codec: UnsafePointer<AVCodec>, path: String, what: String) throws(MediaProbeError) {
        let status = avcodec_open2(pointer, codec, nil)
        guard status >= 0 else {
            throw MediaProbeError(.decoderUnavailable, path: path, averror: status, message: "FFmpeg could not open the \(what) (\(FFmpegLibrary.errorString(status))).")
        }
    }

    deinit {
        var p: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&p)
    }
}

/// Owns an `AVFrame`.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init(path: String) throws(MediaProbeError) {
        guard let frame = av_frame_alloc() else {
            throw MediaProbeError(.decodeFailed, path: path, message: "FFmpeg could not allocate a frame.")
        }
        pointer = frame
    }

    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&p)
    }
}

/// Owns an `AVPacket`.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init(path: String) throws(MediaProbeError) {
        guard let packet = av_packet_alloc() else {
            throw MediaProbeError(.decodeFailed, path: path, message: "FFmpeg could not allocate a packet.")
        }
        pointer = packet
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}
