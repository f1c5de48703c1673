public import CustodyCore
public import CustodyStore
public import Foundation

/// `custody devices import`: the camera check-out log (SPEC §4) into the catalog, one
/// transaction per file, then re-attribution of the clips it concerns.
public enum DeviceImport {
    /// Imports one file. The report says what happened; `officers` are those whose clips
    /// changed hands, to relink.
    /// `encoding` nil: detected (`CSVFile`); `sheet`: of a spreadsheet (nil: the first); `window`: the times believed (SPEC §3).
    public static func run(
        path: String, catalog: Catalog, zone: TimeZone, encoding: CSVFile.TextEncoding? = nil, sheet: String? = nil,
        window: TimeWindow = TimeWindow(), actor: String = "cli"
    ) async -> (report: ImportReport, officers: Set<String>) {
        var report = ImportReport(file: path)
        var officers = Set<String>()
        do {
            let times = try TimeReader(zone: zone, window: window)
            let rows = try TabularImport.rows(
                path: path, specs: DeviceCheckout.columns, encoding: encoding, sheet: sheet, report: &report,
                key: { "device_id \($0.deviceID), checked_out_at \(Timestamp.format($0.checkedOutAt))" }
            ) { fields, columns in
                DeviceCheckout.parse(fields, columns: columns, times: times)
            }.map(\.row)
            let (new, updated) = try await catalog.upsertCheckouts(rows, actor: actor, source: (path as NSString).lastPathComponent)
            report.imported = rows.count
            report.new = new
            report.updated = updated
            let reattributed = try await catalog.reattributeByCheckout(devices: Set(rows.map(\.deviceID)), actor: actor)
            officers.formUnion(reattributed.officers)
            // A camera clock reading (issue 16) changes the times of that officer's clips.
            officers.formUnion(rows.filter { $0.clockOffset != nil }.map(\.officerID))
            report.extra.append(("clock_readings", rows.filter { $0.clockOffset != nil }.count))
            report.extra.append(("clips_attributed", reattributed.changed))
        } catch {
            TabularImport.fail(error, into: &report)
        }
        return (report, officers)
    }
}
