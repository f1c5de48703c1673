/// An error from FFmpeg, with its return code and the file it concerns.
public struct MediaProbeError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case openFailed
        case noVideoStream
        case decoderUnavailable
        case decodeFailed
        case encodeFailed
        case scaleFailed
        case writeFailed
        case timedOut
    }

    public var code: Code
    public var path: String
    /// FFmpeg's (negative) return code, when one caused this.
    public var averror: Int32?
    public var message: String

    public init(_ code: Code, path: String, averror: Int32? = nil, message: String) {
        self.code = code
        self.path = path
        self.averror = averror
        self.message = message
    }

    public var description: String { message }
}
