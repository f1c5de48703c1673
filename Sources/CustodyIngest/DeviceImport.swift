public import CustodyCore
public import CustodyStore
public import Foundation

/// `custody devices import`: the camera check-out log (SPEC §4) into the catalog, one
/// transaction per file, then re-attribution of the clips it concerns.
public enum DeviceImport {
    /// Imports one file. The report says what happened; `officers` are those whose clips
    /// changed hands, to relink.
    public static func run(path: String, catalog: Catalog, zone: TimeZone, actor: String = "cli")
        -> (report: ImportReport, officers: Set<String>)
    {
        var report = ImportReport(file: path)
        var officers = Set<String>()
        do {
            let times = try TimeReader(zone: zone)
            let stop = try CSVFile.unterminatedQuoteLine(path: path)
            var columns: ColumnMap? = nil
            var rows: [DeviceCheckout] = []
            try CSVFile.read(path: path, stopLine: stop, header: { header in
                columns = try ColumnMap(header: header, specs: DeviceCheckout.columns)
            }, row: { line, fields in
                report.rowsRead += 1
                switch DeviceCheckout.parse(fields, columns: columns!, times: times) {
                case .success(let checkout): rows.append(checkout)
                case .failure(let reason): report.rejections.append((line, reason))
                }
            })
            if let stop {
                report.rowsRead += 1
                report.rejections.append((stop, .other("unterminated quote: this row and every line after it cannot be read")))
            }
            let (new, updated) = try catalog.upsertCheckouts(rows, actor: actor, source: (path as NSString).lastPathComponent)
            report.imported = rows.count
            report.new = new
            report.updated = updated
            let reattributed = try catalog.reattributeByCheckout(devices: Set(rows.map(\.deviceID)), actor: actor)
            officers.formUnion(reattributed.officers)
            report.extra.append(("clips_attributed", reattributed.changed))
        } catch let failure as ColumnMap.Failure {
            report.fileError = failure.description
        } catch let failure as CSVFile.Failure {
            report.fileError = failure.description
        } catch {
            report.fileError = "\(error)"
        }
        return (report, officers)
    }
}
