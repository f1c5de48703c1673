import CustodyCore
import Foundation

/// The skeleton both imports share: read a CSV through `CSVFile`, resolve its header, validate
/// each record, and note rejections (with lines) and file-level failures in the report.
enum TabularImport {
    /// The valid rows with their lines; rejections and counts go to `report`.
    ///
    /// Besides what `parse` rejects, a record is rejected when it holds a NUL byte, when it has
    /// more or fewer fields than the header, and when its `key` repeats another record's in the
    /// same file: rows that differ are all rejected (which one is right is the clerk's call),
    /// an exact repeat only from its second appearance on.
    static func rows<Row: Equatable>(
        path: String, specs: [ColumnSpec], mapping: [String: String] = [:], encoding: CSVFile.TextEncoding? = nil,
        sheet: String? = nil, report: inout ImportReport, key: (Row) -> String,
        parse: (_ fields: [String], _ columns: ColumnMap) -> Result<Row, RejectionReason>
    ) throws -> [(line: Int, row: Row)] {
        var columns: ColumnMap? = nil
        var width = 0
        var parsed: [(line: Int, row: Row)] = []
        var read = 0
        var rejections: [(line: Int, reason: RejectionReason)] = []
        let outcome = try CSVFile.read(path: path, encoding: encoding, sheet: sheet, header: { header in
            columns = try ColumnMap(header: header, specs: specs, mapping: mapping)
            width = header.count
        }, row: { record in
            read += 1
            if record.holdsNUL {
                rejections.append((record.line, .nul))
            } else if record.fields.count != width {
                rejections.append((record.line, .fieldCount(record.fields.count, header: width)))
            } else {
                switch parse(record.fields, columns!) {
                case .success(let row): parsed.append((record.line, row))
                case .failure(let reason): rejections.append((record.line, reason))
                }
            }
        })
        if let stop = outcome.unterminatedQuoteLine {
            read += 1
            rejections.append((stop, .other("unterminated quote: this row and every line after it cannot be read")))
        }
        let (rows, repeated) = distinct(parsed, key: key)
        rejections += repeated
        report.encoding = outcome.encoding.name
        report.rowsRead += read
        report.rejections += rejections.sorted { $0.line < $1.line }
        return rows
    }

    /// Rows whose key appears once, and the first of exact repeats; the rest as rejections
    /// naming the other lines.
    static func distinct<Row: Equatable>(_ rows: [(line: Int, row: Row)], key: (Row) -> String)
        -> (rows: [(line: Int, row: Row)], rejected: [(line: Int, reason: RejectionReason)])
    {
        var byKey: [String: [Int]] = [:]  // key → indices into rows
        for (i, r) in rows.enumerated() { byKey[key(r.row), default: []].append(i) }
        var kept: [(line: Int, row: Row)] = []
        var rejected: [(line: Int, reason: RejectionReason)] = []
        for (i, r) in rows.enumerated() {
            let k = key(r.row)
            let group = byKey[k]!
            if group.count == 1 {
                kept.append(r)
                continue
            }
            let others = group.filter { $0 != i }.map { rows[$0].line }
            if group.allSatisfy({ rows[$0].row == r.row }) {
                if group.first == i { kept.append(r) } else { rejected.append((r.line, .repeated(k, lines: others, conflicting: false))) }
            } else {
                rejected.append((r.line, .repeated(k, lines: others, conflicting: true)))
            }
        }
        return (kept, rejected)
    }

    /// Records why nothing could be imported.
    static func fail(_ error: any Error, into report: inout ImportReport) {
        switch error {
        case let failure as ColumnMap.Failure: report.fileError = failure.description
        case let failure as CSVFile.Failure: report.fileError = failure.description
        default: report.fileError = "\(error)"
        }
    }
}
