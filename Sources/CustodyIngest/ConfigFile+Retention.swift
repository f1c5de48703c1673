public import CustodyCore
import Foundation
import TOMLKit

/// The `[retention]` and `[audit]` sections of config.toml.
extension ConfigFile {
    static let retentionTemplate = """
        # How long footage is kept. A clip may be deleted (only by `custody audit --purge`) once the
        # longest class that applies to it has run out; footage on legal hold or marked as case
        # evidence (`custody hold add`) is never deleted.
        [retention]
        default_days = 180           # from recording (Ministry of Public Security, 2016: at least six months)
        permanent_categories = []    # footage linked to calls of these categories is kept for good, e.g. ["刑事案件"]

        # Longer periods for footage linked to calls of some categories, in days.
        [retention.category_days]
        # "交通事故" = 365

        # The nightly audit (`custody audit`, e.g. from tools/systemd/custody-audit.timer).
        [audit]
        fixity_cycle_days = 30       # every stored file is re-hashed at least this often
        weekly_report_day = "sunday" # auditing this weekday also writes the report of the ISO week up to it

        """

    static func parseRetentionAndAudit(_ table: TOMLTable, into config: inout CustodyConfiguration, path: String) throws(Failure) {
        func wholeNumber(_ value: any TOMLValueConvertible, _ key: String, minimum: Int) throws(Failure) -> Int {
            guard let n = value.int, n >= minimum else {
                throw Failure(description: "\(path): \(key) must be a whole number ≥ \(minimum).")
            }
            return n
        }
        if let retention = table["retention"]?.table {
            if let v = retention["default_days"] { config.retention.defaultDays = try wholeNumber(v, "retention.default_days", minimum: 1) }
            if let list = retention["permanent_categories"] {
                guard let array = list.array else {
                    throw Failure(description: "\(path): retention.permanent_categories must be a list of category names.")
                }
                var names = Set<String>()
                for item in array {
                    guard let name = item.string, !name.isEmpty else {
                        throw Failure(description: "\(path): retention.permanent_categories must be a list of category names.")
                    }
                    names.insert(name)
                }
                config.retention.permanentCategories = names
            }
            if let days = retention["category_days"] {
                guard let categories = days.table else {
                    throw Failure(description: "\(path): retention.category_days must be a table of \"category\" = days.")
                }
                for name in categories.keys {
                    config.retention.categoryDays[name] = try wholeNumber(categories[name]!, "retention.category_days.\(name)", minimum: 1)
                }
            }
        }
        if let audit = table["audit"]?.table {
            if let v = audit["fixity_cycle_days"] { config.audit.fixityCycleDays = try wholeNumber(v, "audit.fixity_cycle_days", minimum: 1) }
            if let v = audit["weekly_report_day"] {
                guard let name = v.string?.lowercased(), let index = AuditSettings.weekdayNames.firstIndex(of: name) else {
                    throw Failure(description: "\(path): audit.weekly_report_day must be a weekday name such as \"sunday\".")
                }
                config.audit.weeklyReportWeekday = index + 1
            }
        }
    }
}
