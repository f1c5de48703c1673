import CustodyCore
import Foundation
import Testing

/// Mapping time formats (issue 16, item 6): the usual pattern letters, 12-hour clocks, fractions,
/// offsets and strptime directives, and a sentence for a pattern that cannot work.
@Suite struct TimePatternTests {
    let la = TimeZone(identifier: "America/Los_Angeles")!
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    func iso(_ date: Date?) -> String? { date.map { Timestamp.format($0) } }

    @Test func aUSExportsTwelveHourTimesAreRead() throws {
        let p = try TimePattern("MM/dd/yyyy hh:mm:ss a")
        // The Sacramento-style row: 01/10/2009 02:36:01 PM, Pacific time.
        #expect(iso(p.parse("01/10/2009 02:36:01 PM", zone: la)) == "2009-01-10T22:36:01Z")
        #expect(iso(p.parse("01/10/2009 12:05:00 AM", zone: la)) == "2009-01-10T08:05:00Z", "12 AM is midnight")
        #expect(iso(p.parse("01/10/2009 12:05:00 PM", zone: la)) == "2009-01-10T20:05:00Z", "12 PM is noon")
        #expect(iso(p.parse("01/10/2009 02:36:01 pm", zone: la)) == "2009-01-10T22:36:01Z")
        #expect(p.parse("01/10/2009 13:36:01 PM", zone: la) == nil, "no 13 o'clock on a 12-hour clock")
        #expect(p.parse("01/10/2009 02:36:01", zone: la) == nil, "the marker is required")
        // Single letters take one or two digits.
        let short = try TimePattern("M/d/yyyy h:mm a")
        #expect(iso(short.parse("1/9/2009 9:05 AM", zone: la)) == "2009-01-09T17:05:00Z")
        #expect(iso(short.parse("12/31/2009 11:59 PM", zone: la)) == "2010-01-01T07:59:00Z")
        let chinese = try TimePattern("yyyy/MM/dd ahh:mm")
        #expect(iso(chinese.parse("2024/02/14 下午02:36", zone: shanghai)) == "2024-02-14T06:36:00Z")
    }

    @Test func fractionsOffsetsQuotesAndTwoDigitYears() throws {
        let p = try TimePattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
        #expect(iso(p.parse("2024-02-14T10:00:00.250+08:00", zone: la)) == "2024-02-14T02:00:00.250Z", "the offset wins over the zone")
        #expect(iso(p.parse("2024-02-14T02:00:00.5Z", zone: la)) == "2024-02-14T02:00:00.500Z")
        let compact = try TimePattern("yyyyMMddHHmmssXX")
        #expect(iso(compact.parse("20240214100000+0800", zone: la)) == "2024-02-14T02:00:00Z")
        let yy = try TimePattern("dd.MM.yy HH:mm")
        #expect(iso(yy.parse("14.02.24 10:00", zone: shanghai)) == "2024-02-14T02:00:00Z")
    }

    @Test func strptimeDirectivesReadTheSame() throws {
        let p = try TimePattern("%m/%d/%Y %I:%M:%S %p")
        #expect(iso(p.parse("01/10/2009 02:36:01 PM", zone: la)) == "2009-01-10T22:36:01Z")
        let z = try TimePattern("%Y-%m-%dT%H:%M:%S.%f%z")
        #expect(iso(z.parse("2024-02-14T10:00:00.123456+0800", zone: la)) == "2024-02-14T02:00:00.123Z")
        let text = try TimePattern("%d %m %Y at %H%%")
        #expect(iso(text.parse("14 02 2024 at 10%", zone: shanghai)) == "2024-02-14T02:00:00Z", "letters outside directives are literal")
    }

    @Test(arguments: [
        ("MM/dd/yyyy hh:mm:ss", "a 12-hour hour (hh) needs its AM/PM marker (a)"),
        ("MM/dd/yyyy HH:mm a", "an AM/PM marker (a) needs a 12-hour hour (hh)"),
        ("MM/dd/yyyy QQ", "unknown field 'Q'"),
        ("yyy-MM-dd", "'yyy' is not a field"),
        ("HH:mm", "needs at least a year (yyyy), a month (MM) and a day (dd)"),
        ("%Y-%m-%d %k", "unknown strptime field '%k'"),
        ("yyyy-MM-dd 'T", "a quote is not closed"),
    ])
    func aPatternThatCannotWorkIsRefusedWithASentence(pattern: String, message: String) {
        do {
            _ = try TimePattern(pattern)
            Issue.record("accepted \(pattern)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func theReaderTriesSPECShapesFirstThenTheMappingsFormats() throws {
        let reader = try TimeReader(zone: la, formats: ["MM/dd/yyyy hh:mm:ss a"])
        #expect(iso(reader.read("2009-01-10 14:36:01")) == "2009-01-10T22:36:01Z")
        #expect(iso(reader.read("01/10/2009 02:36:01 PM")) == "2009-01-10T22:36:01Z")
    }
}
