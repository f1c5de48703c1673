public import CustodyCore
public import CustodyStore
public import Foundation

/// `custody dispatch import`: dispatch (110 / CAD) CSVs into the catalog (SPEC §3), one
/// transaction per file, with a validation report.
public enum DispatchImport {
    /// A `--mapping FILE` for another CAD export's columns, null markers and time formats.
    public struct Mapping: Sendable, Equatable, Decodable {
        public var columns: [String: String]
        public var nullValues: [String]
        public var timeFormats: [String]

        enum CodingKeys: String, CodingKey {
            case columns
            case nullValues = "null_values"
            case timeFormats = "time_formats"
        }

        public init(columns: [String: String] = [:], nullValues: [String] = [], timeFormats: [String] = []) {
            self.columns = columns
            self.nullValues = nullValues
            self.timeFormats = timeFormats
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            columns = try c.decodeIfPresent([String: String].self, forKey: .columns) ?? [:]
            nullValues = try c.decodeIfPresent([String].self, forKey: .nullValues) ?? []
            timeFormats = try c.decodeIfPresent([String].self, forKey: .timeFormats) ?? []
        }

        public struct Failure: Error, Sendable, CustomStringConvertible {
            public var description: String
        }

        public static func load(path: String) throws(Failure) -> Mapping {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(description: "mapping file \(path) cannot be read.")
            }
            let mapping: Mapping
            do {
                mapping = try JSONDecoder().decode(Mapping.self, from: data)
            } catch {
                throw Failure(description: "mapping file \(path) is not a JSON object with columns, null_values and time_formats.")
            }
            let known = Set(DispatchRow.columns.map(\.name))
            if let unknown = mapping.columns.keys.sorted().first(where: { !known.contains($0) }) {
                throw Failure(description: "mapping file \(path) maps unknown column '\(unknown)'; known: \(known.sorted().joined(separator: ", ")).")
            }
            do {
                _ = try TimeReader(zone: .gmt, formats: mapping.timeFormats)
            } catch {
                throw Failure(description: "mapping file \(path): \(error)")
            }
            return mapping
        }
    }

    /// Imports one file. The report says what happened; `officers` are the ones to relink.
    /// `encoding` nil: detected (`CSVFile`); `window`: the times believed (SPEC §3).
    public static func run(
        path: String, catalog: Catalog, zone: TimeZone, mapping: Mapping = Mapping(), encoding: CSVFile.TextEncoding? = nil,
        sheet: String? = nil, window: TimeWindow = TimeWindow(), actor: String = "cli"
    ) async -> (report: ImportReport, officers: Set<String>) {
        var report = ImportReport(file: path)
        do {
            let times = try TimeReader(zone: zone, formats: mapping.timeFormats, window: window)
            let nulls = Set(mapping.nullValues)
            let valid = try TabularImport.rows(
                path: path, specs: DispatchRow.columns, mapping: mapping.columns, encoding: encoding, sheet: sheet, report: &report,
                key: { row in
                    // One row per attendance: a unit dispatched twice is two rows, not a repeat.
                    let attendance = row.attendance.map { ", attendance_id \($0)" }
                        ?? row.dispatchedAt.map { ", dispatched_at \(Timestamp.format($0))" } ?? ""
                    return "incident_id \(row.incidentID), officer_id \(row.officerID)\(attendance)"
                }
            ) { fields, columns in
                DispatchRow.parse(fields, columns: columns, times: times, nullValues: nulls)
            }
            var rows = valid
            DispatchRow.numberAttendances(&rows)
            let upsert = try await catalog.upsertDispatch(rows, source: (path as NSString).lastPathComponent, actor: actor)
            report.imported = rows.count
            report.new = upsert.new
            report.updated = upsert.updated
            report.extra.append(("incidents_new", upsert.newIncidents))
            report.extra.append(("incidents_updated", upsert.updatedIncidents))
            report.extra.append(("units_redispatched", upsert.redispatched.count))
            if !upsert.redispatched.isEmpty {
                let shown = upsert.redispatched.prefix(8).map { "\($0.incidentID)/\($0.officerID)" }.joined(separator: ", ")
                let more = upsert.redispatched.count > 8 ? " … (+\(upsert.redispatched.count - 8) more)" : ""
                report.notes.append(
                    "\(upsert.redispatched.count) unit(s) dispatched to a call more than once, each attendance kept and judged on its own "
                        + "(incident/officer): \(shown)\(more)")
            }
            return (report, upsert.officers)
        } catch {
            TabularImport.fail(error, into: &report)
        }
        return (report, [])
    }
}
