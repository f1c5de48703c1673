import CustodyCore
import Foundation

/// The skeleton both imports share: read a CSV through `CSVFile`, resolve its header, validate
/// each record, and note rejections (with lines) and file-level failures in the report.
enum TabularImport {
    /// The valid rows with their lines; rejections and counts go to `report`.
    static func rows<Row>(
        path: String, specs: [ColumnSpec], mapping: [String: String] = [:], report: inout ImportReport,
        parse: (_ fields: [String], _ columns: ColumnMap) -> Result<Row, RejectionReason>
    ) throws -> [(line: Int, row: Row)] {
        let stop = try CSVFile.unterminatedQuoteLine(path: path)
        var columns: ColumnMap? = nil
        var rows: [(line: Int, row: Row)] = []
        var read = 0
        var rejections: [(line: Int, reason: RejectionReason)] = []
        try CSVFile.read(path: path, stopLine: stop, header: { header in
            columns = try ColumnMap(header: header, specs: specs, mapping: mapping)
        }, row: { line, fields in
            read += 1
            switch parse(fields, columns!) {
            case .success(let row): rows.append((line, row))
            case .failure(let reason): rejections.append((line, reason))
            }
        })
        if let stop {
            read += 1
            rejections.append((stop, .other("unterminated quote: this row and every line after it cannot be read")))
        }
        report.rowsRead += read
        report.rejections += rejections
        return rows
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
