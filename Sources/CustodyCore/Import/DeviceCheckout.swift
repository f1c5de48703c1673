public import Foundation

/// One camera check-out (SPEC §4): who had which camera, from when until when.
public struct DeviceCheckout: Sendable, Equatable {
    public var deviceID: String
    public var officerID: String
    public var checkedOutAt: Date
    /// nil while the camera is still out.
    public var returnedAt: Date?
    /// What the camera's own clock read when it was returned (issue 16): beside `returnedAt`,
    /// the true time, it tells how far off the clock was.
    public var deviceTimeAtReturn: Date?

    public init(deviceID: String, officerID: String, checkedOutAt: Date, returnedAt: Date?, deviceTimeAtReturn: Date? = nil) {
        self.deviceID = deviceID
        self.officerID = officerID
        self.checkedOutAt = checkedOutAt
        self.returnedAt = returnedAt
        self.deviceTimeAtReturn = deviceTimeAtReturn
    }

    /// The camera clock's offset (camera − true, seconds) when it was returned, if known.
    public var clockOffset: Double? {
        guard let returnedAt, let deviceTimeAtReturn else { return nil }
        return deviceTimeAtReturn.timeIntervalSince(returnedAt)
    }

    public static let columns = [
        ColumnSpec("device_id", aliases: ["设备编号", "产品序号"], required: true),
        ColumnSpec("officer_id", aliases: ["警号"], required: true),
        ColumnSpec("checked_out_at", aliases: ["领用时间"], required: true),
        ColumnSpec("returned_at", aliases: ["归还时间"]),
        ColumnSpec("device_time_at_return", aliases: ["归还时设备时间"]),
    ]

    /// Validates one row; the reason says what is wrong in words a clerk understands.
    public static func parse(_ fields: [String], columns: ColumnMap, times: TimeReader) -> Result<DeviceCheckout, RejectionReason> {
        guard let device = columns.value("device_id", in: fields) else { return .failure(.missing("device_id")) }
        guard let officer = columns.value("officer_id", in: fields) else { return .failure(.missing("officer_id")) }
        guard let outText = columns.value("checked_out_at", in: fields) else { return .failure(.missing("checked_out_at")) }
        let out: Date
        switch times.read(outText, column: "checked_out_at") {
        case .success(let t): out = t
        case .failure(let reason): return .failure(reason)
        }
        var returned: Date? = nil
        if let text = columns.value("returned_at", in: fields) {
            let t: Date
            switch times.read(text, column: "returned_at") {
            case .success(let v): t = v
            case .failure(let reason): return .failure(reason)
            }
            guard t >= out else { return .failure(.order("returned_at", "checked_out_at")) }
            returned = t
        }
        var deviceTime: Date? = nil
        if let text = columns.value("device_time_at_return", in: fields) {
            guard returned != nil else { return .failure(.other("device_time_at_return is given but returned_at is not: the camera's clock needs the true time beside it")) }
            switch times.read(text, column: "device_time_at_return") {
            case .success(let v): deviceTime = v
            case .failure(let reason): return .failure(reason)
            }
        }
        return .success(DeviceCheckout(deviceID: device, officerID: officer, checkedOutAt: out, returnedAt: returned, deviceTimeAtReturn: deviceTime))
    }
}

/// The grouped reasons of SPEC §3 for rejecting a row.
public enum RejectionReason: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    case missing(String)
    case badTime(String, String)
    case order(String, String)
    /// A time outside the plausible window (column, value, the window in words).
    case implausibleTime(String, String, window: String)
    /// The record's bytes hold a NUL (the CSV reader would cut the cell there).
    case nul
    /// The record has this many fields; the header has `header`.
    case fieldCount(Int, header: Int)
    /// The row's key (in words) is also on `lines`; `conflicting` when their values differ.
    case repeated(String, lines: [Int], conflicting: Bool)
    case other(String)

    /// Text without the offending value, for grouping rows that fail the same way.
    public var group: String {
        switch self {
        case .missing(let column): return "\(column) is missing"
        case .badTime(let column, _): return "\(column) is not a time"
        case .order(let later, let earlier): return "\(later) is before \(earlier)"
        case .implausibleTime(let column, _, let window): return "\(column) is outside \(window)"
        case .nul: return "holds a NUL byte (a damaged file, or not text): nothing of the row is imported"
        case .fieldCount(let count, let header):
            return count > header ? "has more fields than the header" : "has fewer fields than the header"
        case .repeated(_, _, let conflicting):
            return conflicting
                ? "another row of the file has the same key with different values: none of them is imported"
                : "repeats an earlier row of the file exactly"
        case .other(let text): return text
        }
    }

    public var description: String {
        switch self {
        case .badTime(let column, let value): return "\(column) '\(value)' is not a time"
        case .implausibleTime(let column, let value, let window): return "\(column) '\(value)' is outside \(window)"
        case .fieldCount(let count, let header): return "has \(count) field\(count == 1 ? "" : "s"), the header \(header)"
        case .repeated(let key, let lines, let conflicting):
            let on = "line\(lines.count > 1 ? "s" : "") \(lines.map(String.init).joined(separator: ", "))"
            return conflicting
                ? "\(key) is also on \(on) with different values: keep the right one and import again"
                : "repeats \(on) exactly (\(key)); the first is imported"
        default: return group
        }
    }
}
