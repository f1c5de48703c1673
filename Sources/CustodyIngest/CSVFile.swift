import CSV
import Foundation

/// Streams a CSV file (RFC 4180 quoting, UTF-8 with or without a BOM, LF or CRLF) through
/// yaslab/CSV.swift, adding what a clerk needs to fix a file: the line each record starts on,
/// and where an unterminated quote swallowed the rest of the file.
public enum CSVFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Where an unterminated quote begins, if any: the library would read the rest of the file
    /// as one field, so the records from that line on are not imported.
    public static func unterminatedQuoteLine(path: String) throws(Failure) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(description: "\(path) cannot be opened.")
        }
        defer { try? handle.close() }
        var line = 1, quoteLine = 0, inQuote = false
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            for byte in chunk {
                if byte == UInt8(ascii: "\"") {
                    inQuote.toggle()
                    if inQuote { quoteLine = line }
                } else if byte == 0x0A {
                    line += 1
                }
            }
        }
        return inQuote ? quoteLine : nil
    }

    /// Reads the header, then hands each non-blank record to `body` with its starting line.
    /// Stops before `stopLine` (an unterminated quote's line) when given.
    public static func read(
        path: String, stopLine: Int? = nil, header: ([String]) throws -> Void, row body: (Int, [String]) throws -> Void
    ) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Failure(description: "\(path) does not exist or is a folder.")
        }
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            throw Failure(description: "\(path) cannot be read.")
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
        var line = 1 + newlines(in: headerRow) + 1
        while let fields = reader.next() {
            if let stopLine, line >= stopLine { break }
            let start = line
            line += 1 + newlines(in: fields)
            if fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            try body(start, fields)
        }
        // CSV.swift records its normal end of stream as `cannotReadFile`; only these are faults.
        switch reader.error as? CSVError {
        case .unicodeDecoding?:
            throw Failure(description: "\(path) is not UTF-8 text (an undecodable byte near line \(line)).")
        case .streamErrorHasOccurred(let error)?:
            throw Failure(description: "\(path) could not be read to the end (near line \(line)): \(error.localizedDescription).")
        default:
            break
        }
    }

    private static func newlines(in fields: [String]) -> Int {
        fields.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
    }
}
