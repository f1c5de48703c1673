/// A JSON value whose objects keep their keys in the order written.
///
/// Foundation's `JSONEncoder` on Linux orders keys by hash, so lines printed by `--json` would
/// not read like SPEC.md's examples nor diff cleanly between runs; this tiny writer keeps the
/// documented order. (Decoding still uses `JSONDecoder`.)
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        a.rendered == b.rendered
    }

    /// Compact UTF-8 text, no spaces, `/` unescaped.
    public var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    public func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) + ".0" : String(d)
            } else {
                out += "null"
            }
        case .string(let s): Self.escape(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out += "," }
                Self.escape(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Builds an object, leaving out keys whose value is absent (use `.null` to print a null).
public struct JSONObjectBuilder {
    public private(set) var pairs: [(String, JSONValue)] = []

    public init() {}

    public mutating func add(_ key: String, _ value: JSONValue) { pairs.append((key, value)) }
    public mutating func add(_ key: String, _ value: String?, null: Bool = false) {
        if let value { pairs.append((key, .string(value))) } else if null { pairs.append((key, .null)) }
    }
    public mutating func add(_ key: String, _ value: Double?, null: Bool = false) {
        if let value { pairs.append((key, .double(value))) } else if null { pairs.append((key, .null)) }
    }
    public mutating func add(_ key: String, _ value: Int?, null: Bool = false) {
        if let value { pairs.append((key, .int(Int64(value)))) } else if null { pairs.append((key, .null)) }
    }
    public mutating func add(_ key: String, _ value: Int64?, null: Bool = false) {
        if let value { pairs.append((key, .int(value))) } else if null { pairs.append((key, .null)) }
    }

    public var value: JSONValue { .object(pairs) }
}

/// Types that print as one `--json` line.
public protocol JSONLineConvertible {
    var jsonValue: JSONValue { get }
}

extension JSONValue: JSONLineConvertible {
    public var jsonValue: JSONValue { self }
}

extension JSONValue {
    /// The value under `key` of an object (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue] { if case .array(let a) = self { return a } else { return [] } }
}
