import CSV
import Foundation
import Spreadsheet

/// Streams a CSV file (RFC 4180 quoting, LF or CRLF) through yaslab/CSV.swift, adding what a
/// clerk needs to fix a file: the encoding it is in (detected, or named with `--encoding`), the
/// line each record starts on, the records that hold a NUL byte, and where an unterminated
/// quote swallowed the rest of the file.
///
/// Detection (SPEC §3): a byte-order mark names UTF-8, UTF-16LE or UTF-16BE; without one the
/// file is UTF-8 when every byte sequence is valid UTF-8, else GB18030 (the superset of GBK and
/// GB2312 that Excel writes on Chinese Windows) when it decodes as that; anything else is
/// refused with the line of the first undecodable byte and a hint to name the encoding.
/// UTF-8 files are streamed; other encodings are decoded in memory (they come from Excel,
/// whose sheets are bounded).
public enum CSVFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A text encoding an import reads.
    public struct TextEncoding: Sendable, Equatable, CustomStringConvertible {
        /// The canonical name, as `--encoding` takes it and the report prints it.
        public let name: String
        let foundation: String.Encoding
        /// The byte-order mark that announces it, if it has one.
        let bom: [UInt8]

        public var description: String { name }

        public static let utf8 = TextEncoding(name: "UTF-8", foundation: .utf8, bom: [0xEF, 0xBB, 0xBF])
        public static let utf16LE = TextEncoding(name: "UTF-16LE", foundation: .utf16LittleEndian, bom: [0xFF, 0xFE])
        public static let utf16BE = TextEncoding(name: "UTF-16BE", foundation: .utf16BigEndian, bom: [0xFE, 0xFF])
        /// UTF-16 of either order: the byte-order mark says which, else little-endian (what Windows writes).
        public static let utf16 = TextEncoding(name: "UTF-16", foundation: .utf16LittleEndian, bom: [])
        /// kCFStringEncodingGB_18030_2000 as an NSStringEncoding; Foundation decodes it on Linux too.
        public static let gb18030 = TextEncoding(name: "GB18030", foundation: String.Encoding(rawValue: 0x8000_0632), bom: [])
        /// kCFStringEncodingBig5.
        public static let big5 = TextEncoding(name: "Big5", foundation: String.Encoding(rawValue: 0x8000_0A03), bom: [])
        public static let shiftJIS = TextEncoding(name: "Shift_JIS", foundation: .shiftJIS, bom: [])
        public static let windows1252 = TextEncoding(name: "windows-1252", foundation: .windowsCP1252, bom: [])
        public static let latin1 = TextEncoding(name: "ISO-8859-1", foundation: .isoLatin1, bom: [])

        public static let all: [TextEncoding] = [.utf8, .utf16, .utf16LE, .utf16BE, .gb18030, .big5, .shiftJIS, .windows1252, .latin1]

        /// Other names people give them; GBK, GB2312 and CP936 are subsets of GB18030.
        static let aliases: [String: TextEncoding] = [
            "utf8": .utf8, "utf16": .utf16, "utf16le": .utf16LE, "utf16be": .utf16BE, "unicode": .utf16,
            "gbk": .gb18030, "gb2312": .gb18030, "cp936": .gb18030, "euc-cn": .gb18030, "gb-18030": .gb18030,
            "big-5": .big5, "cp950": .big5, "sjis": .shiftJIS, "shift-jis": .shiftJIS, "cp932": .shiftJIS,
            "cp1252": .windows1252, "latin1": .latin1, "latin-1": .latin1, "iso8859-1": .latin1,
        ]

        /// The encoding `name` means (any case), or nil.
        public static func named(_ name: String) -> TextEncoding? {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
            return all.first { $0.name.lowercased().replacingOccurrences(of: "_", with: "-") == key } ?? aliases[key]
        }

        /// For help texts and messages.
        public static var names: String { all.map(\.name).joined(separator: ", ") + "; GBK, GB2312 and CP936 are read as GB18030" }
    }

    /// One record as read: the line it starts on, its fields, and whether its bytes hold a NUL
    /// (the CSV reader would end the cell there, so such a record is never imported).
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
        public var holdsNUL: Bool
    }

    /// What reading a whole file found besides its records.
    public struct Outcome: Sendable {
        /// The encoding it was read in.
        public var encoding: TextEncoding
        /// Where an unterminated quote begins: the library would read the rest of the file as
        /// one field, so the records from that line on are not handed over.
        public var unterminatedQuoteLine: Int?
    }

    /// Reads the header, then hands each non-blank record to `body`. `encoding` nil: detect it.
    @discardableResult
    /// A spreadsheet (`.xlsx`, or a file that starts like one) is read by `XLSXFile`: `sheet`
    /// names the sheet (nil: the first), and the report's "encoding" names the sheet read.
    public static func read(
        path: String, encoding: TextEncoding? = nil, sheet: String? = nil, header: ([String]) throws -> Void, row body: (Record) throws -> Void
    ) throws -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure(description: "\(path) does not exist or is a folder.")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Failure(description: "\(path) cannot be read.")
        }
        if XLSXFile.looksLikeXLSX(path: path) {
            let read: (sheet: String, rows: Int)
            do {
                read = try XLSXFile.read(path: path, sheet: sheet, header: header) { r in
                    try body(Record(line: r.number, fields: r.fields, holdsNUL: r.fields.contains { $0.contains("\u{0}") }))
                }
            } catch let failure as XLSXFile.Failure {
                throw Failure(description: failure.description)
            }
            return Outcome(encoding: TextEncoding(name: "xlsx, sheet '\(read.sheet)'", foundation: .utf8, bom: []), unterminatedQuoteLine: nil)
        }
        if let sheet {
            throw Failure(description: "\(path) is not a spreadsheet (.xlsx), so it has no sheet '\(sheet)' to read: leave out --sheet for a CSV file.")
        }
        let text = try Text.open(path: path, encoding: encoding)
        guard let stream = text.stream() else { throw Failure(description: "\(path) cannot be read.") }
        let scan = text.scan
        if scan.nulLines.contains(1) {
            throw Failure(description: "\(path): the header row (line 1) holds a NUL byte; if the file is UTF-16 without a byte-order mark, name it with --encoding UTF-16LE (or UTF-16BE).")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true)
        } catch {
            throw Failure(description: "\(path) is empty: it has no header row.")
        }
        let headerRow = reader.headerRow ?? []
        if headerRow.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw Failure(description: "\(path) has an empty header row.")
        }
        try header(headerRow)
        let stopLine = scan.unterminatedQuoteLine
        var line = 1 + newlines(in: headerRow) + 1
        while let fields = reader.next() {
            if let stopLine, line >= stopLine { break }
            let start = line
            line += 1 + newlines(in: fields)
            let holdsNUL = scan.nulLines.contains { $0 >= start && $0 < line }
            if !holdsNUL && fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            try body(Record(line: start, fields: fields, holdsNUL: holdsNUL))
        }
        // CSV.swift records its normal end of stream as `cannotReadFile`; only these are faults.
        switch reader.error as? CSVError {
        case .unicodeDecoding?:
            throw Failure(description: "\(path) is not \(text.encoding) text (an undecodable byte near line \(line)); name its encoding with --encoding (one of \(TextEncoding.names)).")
        case .streamErrorHasOccurred(let error)?:
            throw Failure(description: "\(path) could not be read to the end (near line \(line)): \(error.localizedDescription).")
        default:
            break
        }
        return Outcome(encoding: text.encoding, unterminatedQuoteLine: stopLine)
    }

    private static func newlines(in fields: [String]) -> Int {
        fields.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
    }

    /// The file as UTF-8: the file itself when it is UTF-8 (streamed), else its decoded bytes.
    struct Text {
        var path: String
        var encoding: TextEncoding
        /// nil: stream the file as it is.
        var bytes: Data?
        var scan: ByteScan

        func stream() -> InputStream? {
            bytes.map { InputStream(data: $0) } ?? InputStream(fileAtPath: path)
        }

        static func open(path: String, encoding named: TextEncoding?) throws(Failure) -> Text {
            let head = prefix(path: path, count: 4)
            let marked = [TextEncoding.utf8, .utf16LE, .utf16BE].first { head.starts(with: $0.bom) }
            if let named, let marked, named != marked, !(named == .utf16 && marked != .utf8) {
                throw Failure(description: "\(path) starts with a \(marked) byte-order mark but --encoding says \(named): drop --encoding or name \(marked).")
            }
            // UTF-16 named without an endianness: the byte-order mark says which.
            let encoding = marked ?? named
            if encoding == nil || encoding == .utf8 {
                let scan = try ByteScan.file(path: path)
                if scan.firstInvalidUTF8Line == nil {
                    return Text(path: path, encoding: .utf8, bytes: nil, scan: scan)
                }
                if encoding == .utf8 || marked == .utf8 {
                    throw Failure(description: "\(path) is not UTF-8 text (an undecodable byte on line \(scan.firstInvalidUTF8Line!)); name its encoding with --encoding (one of \(TextEncoding.names)).")
                }
                // Not UTF-8 and no mark: what Excel writes on Chinese Windows, or a clear refusal.
                if let text = try? decode(path: path, as: .gb18030) { return text }
                let wide = scan.nulLines.isEmpty ? "" : " It holds NUL bytes: if it is UTF-16 without a byte-order mark, name it with --encoding UTF-16LE (or UTF-16BE)."
                throw Failure(description: "\(path) is neither UTF-8 (an undecodable byte on line \(scan.firstInvalidUTF8Line!)) nor GBK/GB18030 text: save it as UTF-8, or name its encoding with --encoding (one of \(TextEncoding.names)).\(wide)")
            }
            return try decode(path: path, as: encoding!)
        }

        /// Decodes the whole file (less its byte-order mark) and scans the UTF-8 result.
        static func decode(path: String, as encoding: TextEncoding) throws(Failure) -> Text {
            guard var data = FileManager.default.contents(atPath: path) else {
                throw Failure(description: "\(path) cannot be read.")
            }
            if !encoding.bom.isEmpty, data.starts(with: encoding.bom) { data.removeFirst(encoding.bom.count) }
            let wide = encoding == .utf16 || encoding == .utf16LE || encoding == .utf16BE
            guard !(wide && data.count % 2 == 1), let string = String(data: data, encoding: encoding.foundation) else {
                throw Failure(description: "\(path) is not \(encoding) text\(badLine(data, encoding).map { " (an undecodable byte on line \($0))" } ?? ""): save it as UTF-8, or name its encoding with --encoding (one of \(TextEncoding.names)).")
            }
            let utf8 = Data(string.utf8)
            return Text(path: path, encoding: encoding, bytes: utf8, scan: ByteScan.bytes(utf8))
        }

        /// The first line that does not decode, for encodings in which byte 0x0A is always a
        /// line feed (all but UTF-16).
        static func badLine(_ data: Data, _ encoding: TextEncoding) -> Int? {
            guard encoding != .utf16 && encoding != .utf16LE && encoding != .utf16BE else { return nil }
            for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            where String(data: Data(line), encoding: encoding.foundation) == nil {
                return i + 1
            }
            return nil
        }

        static func prefix(path: String, count: Int) -> [UInt8] {
            guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
            defer { try? handle.close() }
            return Array((try? handle.read(upToCount: count)) ?? Data())
        }
    }

    /// One pass over UTF-8 bytes: lines holding a NUL, an unterminated quote, the first line
    /// with bytes that are not UTF-8.
    struct ByteScan {
        var line = 1
        var nulLines: [Int] = []
        var unterminatedQuoteLine: Int? { inQuote ? quoteLine : nil }
        var firstInvalidUTF8Line: Int?
        private var inQuote = false
        private var quoteLine = 0
        /// UTF-8 state: continuation bytes still due, and the range the next one must be in.
        private var pending = 0
        private var nextLow: UInt8 = 0x80, nextHigh: UInt8 = 0xBF

        static func file(path: String) throws(Failure) -> ByteScan {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw Failure(description: "\(path) cannot be opened.")
            }
            defer { try? handle.close() }
            var scan = ByteScan()
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                scan.feed(chunk)
            }
            scan.finish()
            return scan
        }

        static func bytes(_ data: Data) -> ByteScan {
            var scan = ByteScan()
            scan.feed(data)
            scan.finish()
            return scan
        }

        mutating func feed(_ chunk: Data) {
            for byte in chunk {
                if pending > 0 {
                    if byte >= nextLow && byte <= nextHigh {
                        pending -= 1
                        (nextLow, nextHigh) = (0x80, 0xBF)
                        continue
                    }
                    invalid()
                    pending = 0
                    (nextLow, nextHigh) = (0x80, 0xBF)
                }
                switch byte {
                case 0x00:
                    if nulLines.last != line { nulLines.append(line) }
                case 0x0A:
                    line += 1
                case UInt8(ascii: "\""):
                    inQuote.toggle()
                    if inQuote { quoteLine = line }
                case 0x01...0x7F:
                    break
                case 0xC2...0xDF:
                    pending = 1
                case 0xE0...0xEF:
                    pending = 2
                    if byte == 0xE0 { nextLow = 0xA0 } else if byte == 0xED { nextHigh = 0x9F }  // no overlongs, no surrogates
                case 0xF0...0xF4:
                    pending = 3
                    if byte == 0xF0 { nextLow = 0x90 } else if byte == 0xF4 { nextHigh = 0x8F }  // nothing above U+10FFFF
                default:
                    invalid()
                }
            }
        }

        mutating func finish() {
            if pending > 0 { invalid() }
        }

        private mutating func invalid() {
            if firstInvalidUTF8Line == nil { firstInvalidUTF8Line = line }
        }
    }
}
