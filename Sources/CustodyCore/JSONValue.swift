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
        String(decoding: utf8, as: UTF8.self)
    }

    /// The same text as UTF-8 bytes (what a response body needs; no String round trip).
    public var utf8: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        render(into: &out)
        return out
    }

    public func render(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: Self.nullBytes)
        case .bool(let b): out.append(contentsOf: b ? Self.trueBytes : Self.falseBytes)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded() && abs(d) < 1e15 {
                    out.append(contentsOf: String(Int64(d)).utf8)
                    out.append(contentsOf: [0x2E, 0x30])  // ".0"
                } else {
                    out.append(contentsOf: String(d).utf8)
                }
            } else {
                out.append(contentsOf: Self.nullBytes)
            }
        case .string(let s): Self.escape(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                item.render(into: &out)
            }
            out.append(0x5D)
        case .object(let pairs):
            out.append(0x7B)
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(0x2C) }
                Self.escape(key, into: &out)
                out.append(0x3A)
                value.render(into: &out)
            }
            out.append(0x7D)
        }
    }

    private static let nullBytes = Array("null".utf8), trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)
    private static let hex = Array("0123456789abcdef".utf8)

    /// Quotes and escapes on bytes: runs that need no escaping are copied whole.
    static func escape(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                out.append(contentsOf: bytes[runStart..<i])
                switch b {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                runStart = i + 1
            }
            out.append(contentsOf: bytes[runStart..<bytes.count])
        }
        out.append(0x22)
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
    public var intValue: Int? { if case .int(let i) = self { return Int(i) } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue] { if case .array(let a) = self { return a } else { return [] } }
}
