public import Foundation

/// One camera check-out (SPEC §4): who had which camera, from when until when.
public struct DeviceCheckout: Sendable, Equatable {
    public var deviceID: String
    public var officerID: String
    public var checkedOutAt: Date
    /// nil while the camera is still out.
    public var returnedAt: Date?

    public init(deviceID: String, officerID: String, checkedOutAt: Date, returnedAt: Date?) {
        self.deviceID = deviceID
        self.officerID = officerID
        self.checkedOutAt = checkedOutAt
        self.returnedAt = returnedAt
    }

    public static let columns = [
        ColumnSpec("device_id", aliases: ["设备编号", "产品序号"], required: true),
        ColumnSpec("officer_id", aliases: ["警号"], required: true),
        ColumnSpec("checked_out_at", aliases: ["领用时间"], required: true),
        ColumnSpec("returned_at", aliases: ["归还时间"]),
    ]

    /// Validates one row; the reason says what is wrong in words a clerk understands.
    public static func parse(_ fields: [String], columns: ColumnMap, times: TimeReader) -> Result<DeviceCheckout, RejectionReason> {
        guard let device = columns.value("device_id", in: fields) else { return .failure(.missing("device_id")) }
        guard let officer = columns.value("officer_id", in: fields) else { return .failure(.missing("officer_id")) }
        guard let outText = columns.value("checked_out_at", in: fields) else { return .failure(.missing("checked_out_at")) }
        guard let out = times.read(outText) else { return .failure(.badTime("checked_out_at", outText)) }
        var returned: Date? = nil
        if let text = columns.value("returned_at", in: fields) {
            guard let t = times.read(text) else { return .failure(.badTime("returned_at", text)) }
            guard t >= out else { return .failure(.order("returned_at", "checked_out_at")) }
            returned = t
        }
        return .success(DeviceCheckout(deviceID: device, officerID: officer, checkedOutAt: out, returnedAt: returned))
    }
}

/// The grouped reasons of SPEC §3 for rejecting a row.
public enum RejectionReason: Error, Sendable, Equatable, Hashable, CustomStringConvertible {
    case missing(String)
    case badTime(String, String)
    case order(String, String)
    case other(String)

    /// Text without the offending value, for grouping rows that fail the same way.
    public var group: String {
        switch self {
        case .missing(let column): return "\(column) is missing"
        case .badTime(let column, _): return "\(column) is not a time"
        case .order(let later, let earlier): return "\(later) is before \(earlier)"
        case .other(let text): return text
        }
    }

    public var description: String {
        switch self {
        case .badTime(let column, let value): return "\(column) '\(value)' is not a time"
        default: return group
        }
    }
}
