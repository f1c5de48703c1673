public import Foundation

/// One clip's content analysis as the catalog keeps it (issue 14).
public struct ContentAnalysisResult: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Waiting for (or being worked by) a node.
        case pending
        case done
        /// Unreadable after every attempt: reported, not retried (until requeued by hand).
        case failed
    }

    public var sha256: String
    public var state: State
    public var attempts: Int
    /// Seconds the analysis judged the clip to run.
    public var duration: Double?
    /// Median spacing of the key frames the picture was judged by (the stretches' precision).
    public var keyframeInterval: Double?
    /// Seconds from the clip's first frame.
    public var stretches: [ContentStretch]
    /// One value per second: mean luma 0…255 (nil where no key frame stands for it yet) and
    /// RMS sound level in dBFS (nil without an audio stream).
    public var luma: [Double?]
    public var level: [Double?]
    public var error: String?
    public var analyzedAt: Date?

    public init(
        sha256: String, state: State = .done, attempts: Int = 1, duration: Double?, keyframeInterval: Double?, stretches: [ContentStretch],
        luma: [Double?], level: [Double?], error: String? = nil, analyzedAt: Date? = nil
    ) {
        self.sha256 = sha256
        self.state = state
        self.attempts = attempts
        self.duration = duration
        self.keyframeInterval = keyframeInterval
        self.stretches = stretches
        self.luma = luma
        self.level = level
        self.error = error
        self.analyzedAt = analyzedAt
    }

    /// The per-second profile as the catalog stores it: `{"luma":[…],"level":[…]}`, whole numbers.
    public var profileJSON: String {
        func list(_ values: [Double?]) -> String {
            "[" + values.map { $0.map { String(Int($0.rounded())) } ?? "null" }.joined(separator: ",") + "]"
        }
        return "{\"luma\":\(list(luma)),\"level\":\(list(level))}"
    }

    /// Reads `profileJSON` back (empty lists for anything unreadable).
    public static func profile(from json: String?) -> (luma: [Double?], level: [Double?]) {
        guard let json, let data = json.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return ([], []) }
        func list(_ key: String) -> [Double?] {
            (object[key] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue }
        }
        return (list("luma"), list("level"))
    }
}
