/// A point on Earth from an ISO 6709 string such as `+32.0929+034.8620+028.516/`.
public struct GeoLocation: Sendable, Equatable, Codable {
    public var lat: Double
    public var lon: Double
    public var alt: Double?

    public init(lat: Double, lon: Double, alt: Double? = nil) {
        self.lat = lat
        self.lon = lon
        self.alt = alt
    }

    /// Parses ISO 6709 Annex H strings: signed latitude (±DD.D, ±DDMM.M or ±DDMMSS.S), signed
    /// longitude (±DDD.D, ±DDDMM.M, ±DDDMMSS.S), optional signed altitude, optional `CRS…`
    /// and a closing `/`. Returns nil for anything out of range or malformed.
    public init?(iso6709 text: String) {
        var parts: [(sign: Double, body: Substring)] = []
        var rest = Substring(text.trimmingPrefix(while: { $0 == " " }))
        while let first = rest.first, first == "+" || first == "-" {
            let sign: Double = first == "-" ? -1 : 1
            rest = rest.dropFirst()
            let body = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !body.isEmpty else { return nil }
            parts.append((sign, body))
            rest = rest.dropFirst(body.count)
        }
        guard parts.count >= 2, rest.isEmpty || rest.first == "/" || rest.hasPrefix("CRS") else { return nil }
        guard let lat = Self.angle(parts[0].body, degreeDigits: 2),
              let lon = Self.angle(parts[1].body, degreeDigits: 3)
        else { return nil }
        let signedLat = parts[0].sign * lat
        let signedLon = parts[1].sign * lon
        guard abs(signedLat) <= 90, abs(signedLon) <= 180 else { return nil }
        self.lat = signedLat
        self.lon = signedLon
        if parts.count >= 3, let alt = Double(parts[2].body) {
            self.alt = parts[2].sign * alt
        } else {
            self.alt = nil
        }
    }

    private static func angle(_ body: Substring, degreeDigits: Int) -> Double? {
        let integerDigits = body.prefix(while: { $0 != "." }).count
        guard let value = Double(body) else { return nil }
        switch integerDigits {
        case degreeDigits:
            return value
        case degreeDigits + 2:  // DDMM.M
            let degrees = (value / 100).rounded(.towardZero)
            let minutes = value - degrees * 100
            return minutes < 60 ? degrees + minutes / 60 : nil
        case degreeDigits + 4:  // DDMMSS.S
            let degrees = (value / 10_000).rounded(.towardZero)
            let minutes = ((value - degrees * 10_000) / 100).rounded(.towardZero)
            let seconds = value - degrees * 10_000 - minutes * 100
            return minutes < 60 && seconds < 60 ? degrees + minutes / 60 + seconds / 3600 : nil
        default:
            return nil
        }
    }
}
