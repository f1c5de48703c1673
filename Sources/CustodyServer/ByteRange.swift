import Foundation

/// One `Range: bytes=…` request (RFC 7233 §2.1), resolved against a length.
///
/// Written here rather than taken from Hummingbird's FileMiddleware, whose parser reads a
/// suffix range (`bytes=-500`, the last 500 bytes) as the first 500 and clamps ranges past
/// the end instead of answering 416.
enum ByteRange: Equatable {
    /// Serve these bytes with 206.
    case partial(ClosedRange<Int>)
    /// Nothing of the file matches: 416 with `Content-Range: bytes */length`.
    case unsatisfiable
    /// No usable single range (absent, malformed, or several): serve the whole file with 200.
    case whole

    init(header: String?, length: Int) {
        guard let header, header.hasPrefix("bytes=") else { self = .whole; return }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // Suffix: the last N bytes.
            guard let n = Int(last), n >= 0 else { self = .whole; return }
            guard n > 0, length > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, length - n)...(length - 1))
            return
        }
        guard let start = Int(first), start >= 0 else { self = .whole; return }
        let end: Int
        if last.isEmpty {
            end = length - 1
        } else {
            guard let e = Int(last), e >= start else { self = .whole; return }
            end = min(e, length - 1)
        }
        guard start < length else { self = .unsatisfiable; return }
        self = .partial(start...end)
    }
}
