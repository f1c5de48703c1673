#if canImport(Glibc)
internal import Glibc
#endif

/// Walks the top-level boxes of an ISO-BMFF (MP4/MOV) file. Only box headers are read.
enum MP4Boxes {
    /// True when the file has a `moof` box at top level, i.e. it is a fragmented MP4.
    static func isFragmented(path: String, maxBoxes: Int = 100_000) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var offset: Int64 = 0
        var header = [UInt8](repeating: 0, count: 16)
        for _ in 0..<maxBoxes {
            let n = pread(fd, &header, 16, off_t(offset))
            guard n >= 8 else { return false }
            var size = Int64(header[0]) << 24 | Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if type == "moof" || type == "mvex" { return true }
            if size == 1 {
                guard n >= 16 else { return false }
                size = header[8..<16].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            } else if size == 0 {
                return false  // box runs to the end of the file
            }
            guard size >= 8 else { return false }
            if type == "moov" {
                // mvex inside moov also marks a fragmented file; look one level down.
                if moovHasMvex(fd: fd, start: offset + 8, end: offset + size) { return true }
            }
            offset += size
        }
        return false
    }

    private static func moovHasMvex(fd: Int32, start: Int64, end: Int64) -> Bool {
        var offset = start
        var header = [UInt8](repeating: 0, count: 8)
        while offset + 8 <= end {
            guard pread(fd, &header, 8, off_t(offset)) == 8 else { return false }
            let size = Int64(header[0]) << 24 | Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            if String(decoding: header[4..<8], as: UTF8.self) == "mvex" { return true }
            guard size >= 8 else { return false }
            offset += size
        }
        return false
    }
}
