public import Foundation
#if canImport(FoundationXML)
internal import FoundationXML
#endif
internal import ZIPFoundation

/// A spreadsheet (`.xlsx`, Office Open XML) read as the rows a CSV import takes (issue 16):
/// the first sheet or a named one, its first row of two or more cells as the header (a title
/// row above it is skipped), each later non-blank row with
/// its spreadsheet row number as its line. Cells are what Excel shows: shared and inline
/// strings as text, numbers as written, dates and times (numbers with a date format) as
/// `yyyy-MM-dd HH:mm:ss` wall-clock times that the import then reads in its zone, booleans as
/// TRUE/FALSE, formulas as their cached value.
///
/// ZIPFoundation unpacks the archive and Foundation's XMLParser reads the parts; what this adds
/// is the part of SpreadsheetML an import needs (no library on this machine reads .xlsx).
/// Hostile files are bounded: each part read is capped (`partLimit`), and the cap counts the
/// bytes actually inflated, not the sizes the archive claims.
public enum XLSXFile {
    /// A ZIP archive starts with a local file header.
    public static func looksLikeXLSX(path: String) -> Bool {
        if path.lowercased().hasSuffix(".xlsx") { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// At most this much of any one part is inflated (a 4,300-row export's sheet is ~1 MB).
    public static let partLimit = 256 << 20

    /// Why a workbook cannot be read, in a sentence naming the file.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(description: String) { self.description = description }
    }

    /// One row as read: its spreadsheet row number and cell texts, padded to the header's width.
    public struct Row: Sendable {
        public var number: Int
        public var fields: [String]
    }

    /// The sheets of the workbook, in order.
    public static func sheetNames(path: String) throws -> [String] {
        let book = try Workbook(path: path)
        return book.sheets.map(\.name)
    }

    /// Reads `sheet` (nil: the first) and hands over its header, then each non-blank row.
    public static func read(
        path: String, sheet: String?, header: ([String]) throws -> Void, row body: (Row) throws -> Void
    ) throws -> (sheet: String, rows: Int) {
        let book = try Workbook(path: path)
        guard !book.sheets.isEmpty else { throw Failure(description: "\(path) is a spreadsheet without a sheet.") }
        let chosen: Workbook.Sheet
        if let sheet {
            guard let found = book.sheets.first(where: { $0.name == sheet }) ?? book.sheets.first(where: { $0.name.lowercased() == sheet.lowercased() }) else {
                throw Failure(description: "\(path) has no sheet '\(sheet)'; its sheets: \(book.sheets.map { "'\($0.name)'" }.joined(separator: ", ")).")
            }
            chosen = found
        } else {
            chosen = book.sheets[0]
        }
        func filled(_ r: SheetRow) -> Int { r.cells.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count }
        // The header is the first row with two or more cells filled: a title row above it (one
        // merged cell, "110接处警记录 2024年2月") is skipped, as Excel users lay sheets out.
        let rows = try book.rows(of: chosen).filter { filled($0) > 0 }
        guard let at = rows.firstIndex(where: { filled($0) >= 2 }) ?? (rows.isEmpty ? nil : 0) else {
            throw Failure(description: "\(path): sheet '\(chosen.name)' is empty: it has no header row.")
        }
        let head = rows[at]
        var records = rows[(at + 1)...].makeIterator()
        var width = head.cells.count
        while width > 0 && head.cells[width - 1].trimmingCharacters(in: .whitespaces).isEmpty { width -= 1 }
        try header(Array(head.cells.prefix(width)))
        var count = 0
        while let r = records.next() {
            var fields = r.cells
            // Cells past the header's last column are kept only when they hold something (that is
            // a row wider than the header, which the import reports); empty ones are Excel's.
            while fields.count > width, fields.last!.trimmingCharacters(in: .whitespaces).isEmpty { fields.removeLast() }
            if fields.count < width { fields += Array(repeating: "", count: width - fields.count) }
            count += 1
            try body(Row(number: r.number, fields: fields))
        }
        return (chosen.name, count)
    }

    struct TooLarge: Error {}

    /// The archive and what its workbook part says.
    struct Workbook {
        struct Sheet { var name: String; var part: String }
        let path: String
        let archive: Archive
        let sheets: [Sheet]
        let strings: [String]
        /// Per cell style index: whether its number format is a date or time.
        let dateStyles: [Bool]
        /// Excel's 1904 date system (old Mac workbooks).
        let epoch1904: Bool

        init(path: String) throws {
            self.path = path
            guard FileManager.default.isReadableFile(atPath: path) else { throw Failure(description: "\(path) does not exist or cannot be read.") }
            do {
                archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            } catch {
                throw Failure(description: "\(path) is not a spreadsheet Custody reads: it is not an .xlsx (ZIP) file. Save it as .xlsx or CSV.")
            }
            guard let bookXML = try Self.part(archive, "xl/workbook.xml", path: path) else {
                throw Failure(description: "\(path) is a ZIP file but not an .xlsx workbook (no xl/workbook.xml); an old .xls must be saved as .xlsx or CSV.")
            }
            let book = XMLElements(bookXML)
            epoch1904 = book.first("workbookPr")?["date1904"].map { $0 == "1" || $0 == "true" } ?? false
            var targets: [String: String] = [:]
            if let rels = try Self.part(archive, "xl/_rels/workbook.xml.rels", path: path) {
                for r in XMLElements(rels).all("Relationship") {
                    if let id = r["Id"], let target = r["Target"] {
                        targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                    }
                }
            }
            sheets = book.all("sheet").enumerated().compactMap { i, s in
                guard let name = s["name"] else { return nil }
                let part = s["r:id"].flatMap { targets[$0] } ?? "xl/worksheets/sheet\(i + 1).xml"
                return Sheet(name: name, part: part)
            }
            strings = try Self.part(archive, "xl/sharedStrings.xml", path: path).map(SharedStrings.parse) ?? []
            if let styles = try Self.part(archive, "xl/styles.xml", path: path) {
                dateStyles = Styles.parse(styles)
            } else {
                dateStyles = []
            }
        }

        /// A part's bytes, at most `partLimit` of them inflated; nil when the archive lacks it.
        static func part(_ archive: Archive, _ name: String, path: String) throws -> Data? {
            guard let entry = archive[name] else { return nil }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    data.append(chunk)
                    if data.count > XLSXFile.partLimit { throw TooLarge() }
                }
            } catch is TooLarge {
                throw Failure(description: "\(path): the spreadsheet part \(name) inflates past \(XLSXFile.partLimit >> 20) MB; nothing was imported.")
            } catch {
                throw Failure(description: "\(path): the spreadsheet part \(name) cannot be unpacked (\(error)); the file is damaged.")
            }
            return data
        }

        func rows(of sheet: Sheet) throws -> [SheetRow] {
            guard let xml = try Self.part(archive, sheet.part, path: path) else {
                throw Failure(description: "\(path): sheet '\(sheet.name)' is missing from the workbook (\(sheet.part)).")
            }
            return try SheetReader(strings: strings, dateStyles: dateStyles, epoch1904: epoch1904).read(xml, path: path)
        }
    }

    struct SheetRow {
        var number: Int
        var cells: [String]
    }

    /// "AB12" → 27 (0-based column of the letters).
    static func column(ofReference reference: String) -> Int? {
        var n = 0
        var letters = 0
        for u in reference.utf8 {
            guard (65...90).contains(u) || (97...122).contains(u) else { break }
            n = n * 26 + Int(u & 0x1F)
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : n - 1
    }

    /// A spreadsheet serial date (days since 1899-12-30, or 1904-01-01) as a wall-clock time.
    static func wallClock(serial: Double, epoch1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }  // up to 9999-12-31
        let base: Double = epoch1904 ? -2_082_844_800 : -2_209_161_600  // 1904-01-01 or 1899-12-30 as Unix seconds
        let seconds = (base + serial * 86_400).rounded()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

/// Shared strings: each `<si>`'s text, its runs joined.
enum SharedStrings {
    static func parse(_ data: Data) -> [String] {
        final class Delegate: NSObject, XMLParserDelegate {
            var strings: [String] = []
            var current = ""
            var inItem = false, inText = false, inPhonetic = false
            func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                switch local(name) {
                case "si": inItem = true; current = ""
                case "t": inText = inItem && !inPhonetic
                case "rPh": inPhonetic = true
                default: break
                }
            }
            func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                switch local(name) {
                case "si": strings.append(current); inItem = false
                case "t": inText = false
                case "rPh": inPhonetic = false
                default: break
                }
            }
            func parser(_ p: XMLParser, foundCharacters s: String) { if inText { current += s } }
        }
        let d = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = d
        _ = parser.parse()
        return d.strings
    }
}

private func local(_ name: String) -> String {
    if let colon = name.lastIndex(of: ":") { return String(name[name.index(after: colon)...]) }
    return name
}

/// Which cell styles show a date or a time: built-in formats 14–22 and 45–47, and custom ones
/// whose code has date or time letters outside quotes and brackets.
enum Styles {
    static let builtInDates: Set<Int> = Set(14...22).union(45...47).union([27, 30, 36, 50, 57])

    static func isDateCode(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, escaped = false
        for ch in code {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[": if !inQuote { inBracket = true }
            case "]": if !inQuote { inBracket = false }
            default:
                if !inQuote && !inBracket && "ymdhsYMDHS".contains(ch) { return true }
            }
        }
        return false
    }

    static func parse(_ data: Data) -> [Bool] {
        let xml = XMLElements(data)
        var custom: [Int: Bool] = [:]
        for f in xml.all("numFmt") {
            if let id = f["numFmtId"].flatMap(Int.init), let code = f["formatCode"] { custom[id] = isDateCode(code) }
        }
        // cellXfs' xf elements, in order (cellStyleXfs' come first in the file and are skipped).
        return xml.all("xf", inside: "cellXfs").map { xf in
            let id = xf["numFmtId"].flatMap(Int.init) ?? 0
            return custom[id] ?? builtInDates.contains(id)
        }
    }
}

/// A small DOM-less view of a part: each element's name, attributes and parent's name.
struct XMLElements {
    struct Element {
        var name: String
        var parent: String
        var attributes: [String: String]
        subscript(_ key: String) -> String? { attributes[key] ?? attributes.first { local($0.key) == key && !key.contains(":") }?.value }
    }
    var elements: [Element] = []

    init(_ data: Data) {
        final class Delegate: NSObject, XMLParserDelegate {
            var elements: [Element] = []
            var stack: [String] = []
            func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                elements.append(Element(name: local(name), parent: stack.last ?? "", attributes: attributes))
                stack.append(local(name))
            }
            func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { _ = stack.popLast() }
        }
        let d = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = d
        _ = parser.parse()
        elements = d.elements
    }

    func all(_ name: String, inside parent: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (parent == nil || $0.parent == parent) }
    }
    func first(_ name: String) -> Element? { elements.first { $0.name == name } }
}

/// Streams a worksheet part into rows of cell texts.
final class SheetReader: NSObject, XMLParserDelegate {
    let strings: [String]
    let dateStyles: [Bool]
    let epoch1904: Bool
    var rows: [XLSXFile.SheetRow] = []
    private var row: [String] = []
    private var rowNumber = 0
    private var cellColumn = 0
    private var cellType = ""
    private var cellStyle = 0
    private var text = ""
    private var collecting = false
    private var value: String?
    private var inline = ""
    private var inInline = false
    private var failure: String?

    init(strings: [String], dateStyles: [Bool], epoch1904: Bool) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.epoch1904 = epoch1904
    }

    func read(_ data: Data, path: String) throws -> [XLSXFile.SheetRow] {
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse() {
            let line = parser.lineNumber
            throw XLSXFile.Failure(description: failure.map { "\(path): \($0)" }
                ?? "\(path): the sheet's XML is damaged near its line \(line) (\(parser.parserError.map { "\($0)" } ?? "unreadable")); nothing was imported.")
        }
        return rows
    }

    func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch local(name) {
        case "row":
            rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            row = []
        case "c":
            cellColumn = attributes["r"].flatMap(XLSXFile.column(ofReference:)) ?? row.count
            cellType = attributes["t"] ?? "n"
            cellStyle = attributes["s"].flatMap(Int.init) ?? 0
            value = nil
            inline = ""
        case "v":
            collecting = true
            text = ""
        case "is":
            inInline = true
        case "t":
            if inInline { collecting = true; text = "" }
        default: break
        }
    }

    func parser(_ p: XMLParser, foundCharacters s: String) { if collecting { text += s } }

    func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "v":
            collecting = false
            value = text
        case "t":
            if inInline { collecting = false; inline += text }
        case "is":
            inInline = false
        case "c":
            guard cellColumn < 16_384 else {
                failure = "a cell in row \(rowNumber) lies past column XFD, the last a spreadsheet has; the file is damaged."
                p.abortParsing()
                return
            }
            if row.count < cellColumn { row += Array(repeating: "", count: cellColumn - row.count) }
            let shown = display()
            if cellColumn < row.count { row[cellColumn] = shown } else { row.append(shown) }
        case "row":
            rows.append(XLSXFile.SheetRow(number: rowNumber, cells: row))
        default: break
        }
    }

    /// The cell as Excel shows it, as far as an import cares.
    private func display() -> String {
        switch cellType {
        case "s":
            guard let i = value.flatMap(Int.init), strings.indices.contains(i) else { return "" }
            return strings[i]
        case "inlineStr": return inline
        case "b": return value == "1" ? "TRUE" : "FALSE"
        case "str", "e", "d": return value ?? ""
        default:
            guard let value else { return "" }
            if dateStyles.indices.contains(cellStyle), dateStyles[cellStyle], let serial = Double(value),
               let clock = XLSXFile.wallClock(serial: serial, epoch1904: epoch1904)
            {
                return clock
            }
            // Whole numbers without the ".0" a double would print (incident numbers, badges).
            if let d = Double(value), d.rounded() == d, abs(d) < 1e15, !value.contains("E"), !value.contains("e") {
                return String(Int64(d))
            }
            return value
        }
    }
}
