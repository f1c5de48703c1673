import Foundation

/// One column an import understands: its canonical name and the other headers that mean it.
public struct ColumnSpec: Sendable {
    public var name: String
    public var aliases: [String]
    public var required: Bool

    public init(_ name: String, aliases: [String] = [], required: Bool = false) {
        self.name = name
        self.aliases = aliases
        self.required = required
    }
}

/// Which field index holds which canonical column, resolved from a header row.
/// Headers match without regard to case or surrounding spaces (SPEC §3).
public struct ColumnMap: Sendable, Equatable {
    public private(set) var index: [String: Int]

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// - Parameter mapping: canonical name → header in the file (a `--mapping` file's
    ///   `columns`); it replaces the built-in names for that column.
    public init(header: [String], specs: [ColumnSpec], mapping: [String: String] = [:]) throws(Failure) {
        func key(_ s: String) -> String {
            var t = s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if t.hasPrefix("\u{FEFF}") { t.removeFirst() }
            return t
        }
        var positions: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            let k = key(name)
            guard !k.isEmpty else { continue }
            if positions[k] != nil {
                throw Failure(description: "The header names '\(name.trimmingCharacters(in: .whitespaces))' twice (columns \(positions[k]! + 1) and \(i + 1)).")
            }
            positions[k] = i
        }
        var index: [String: Int] = [:]
        var missing: [String] = []
        for spec in specs {
            let candidates = mapping[spec.name].map { [$0] } ?? ([spec.name] + spec.aliases)
            if let found = candidates.lazy.compactMap({ positions[key($0)] }).first {
                index[spec.name] = found
            } else if spec.required {
                missing.append(mapping[spec.name].map { "\(spec.name) (mapped to '\($0)')" } ?? spec.name)
            }
        }
        if !missing.isEmpty {
            throw Failure(description: "The header lacks the required column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")).")
        }
        self.index = index
    }

    /// The trimmed value of `column` in `fields`; nil when absent, empty, or a null marker.
    public func value(_ column: String, in fields: [String], nullValues: Set<String> = []) -> String? {
        guard let i = index[column], i < fields.count else { return nil }
        let v = fields[i].trimmingCharacters(in: .whitespaces)
        return v.isEmpty || nullValues.contains(v) ? nil : v
    }

    public func has(_ column: String) -> Bool { index[column] != nil }
}

/// Why a row was not imported, with the line it starts on.
public struct RowRejection: Sendable, Equatable {
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}
