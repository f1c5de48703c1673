import CustodyCore
import Foundation
import Testing

@Suite struct FileNameConventionTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test func defaultConventionReadsDeviceOfficerLocalTimeAndSequence() throws {
        let naming = try FileNameConvention(timeZone: shanghai)
        let parsed = try #require(naming.parse(fileName: "/inbox/J0012345_012345_20240214093000_0001.MP4"))
        #expect(parsed.deviceID == "J0012345")
        #expect(parsed.officerID == "012345")
        #expect(parsed.sequence == 1)
        #expect(parsed.start.map(Timestamp.format) == "2024-02-14T01:30:00Z")
    }

    @Test func namesOutsideTheConventionGiveNothing() throws {
        let naming = try FileNameConvention(timeZone: shanghai)
        #expect(naming.parse(fileName: "VID_0001.mp4") == nil)
        #expect(naming.parse(fileName: "J0012345_012345_2024021409300_0001.mp4") == nil)  // 13 digits
    }

    @Test func anImpossibleTimeInTheNameLeavesStartEmpty() throws {
        let naming = try FileNameConvention(timeZone: shanghai)
        let parsed = try #require(naming.parse(fileName: "J0012345_012345_20241399093000_0001.mp4"))
        #expect(parsed.start == nil)
        #expect(parsed.officerID == "012345")
    }

    @Test func aVendorPatternWithNamedGroupsIsHonoured() throws {
        let naming = try FileNameConvention(
            pattern: #"^(?<officer>\d{6})-(?<start>\d{14})-(?<device>[A-Z0-9]+)\.mov$"#, timeZone: shanghai)
        let parsed = try #require(naming.parse(fileName: "023456-20240214100000-CAM7.mov"))
        #expect(parsed.deviceID == "CAM7")
        #expect(parsed.officerID == "023456")
        #expect(parsed.start.map(Timestamp.format) == "2024-02-14T02:00:00Z")
        #expect(parsed.sequence == nil)
    }

    @Test func anInvalidPatternIsRefused() {
        #expect(throws: (any Error).self) { try FileNameConvention(pattern: "(?<officer>", timeZone: shanghai) }
    }
}

@Suite struct GeoLocationTests {
    @Test func appleStyleWithAltitude() throws {
        let point = try #require(GeoLocation(iso6709: "+32.0929+034.8620+028.516/"))
        #expect(point == GeoLocation(lat: 32.0929, lon: 34.862, alt: 28.516))
    }

    @Test func goproStyleWestLongitude() throws {
        let point = try #require(GeoLocation(iso6709: "+33.1268-117.3273/"))
        #expect(point.lat == 33.1268)
        #expect(point.lon == -117.3273)
        #expect(point.alt == nil)
    }

    @Test func degreesAndMinutesForm() throws {
        let point = try #require(GeoLocation(iso6709: "+4030.5-07400.0/"))
        #expect(abs(point.lat - 40.508333) < 1e-5)
        #expect(point.lon == -74)
    }

    @Test(arguments: ["", "hello", "+95.0+010.0/", "+10.0+190.0/", "+10.0/", "32.0929,34.862"])
    func invalidStringsAreRejected(text: String) {
        #expect(GeoLocation(iso6709: text) == nil)
    }
}

@Suite struct ClipTimingTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let named = FileNameConvention.Parsed(
        deviceID: "J1", officerID: "1", start: Date(timeIntervalSince1970: 1_707_874_200), sequence: 1)
    let mtime = Date(timeIntervalSince1970: 1_707_880_000)

    @Test func containerTagWins() throws {
        let (start, source) = try #require(ClipTiming.startTime(
            tags: ["creation_time": "2024-02-14T02:00:00.000000Z"], fileName: named, modified: mtime, duration: 60, zone: shanghai))
        #expect(source == .container)
        #expect(Timestamp.format(start) == "2024-02-14T02:00:00Z")
    }

    @Test func fileNameIsNextWhenNoTag() throws {
        let (start, source) = try #require(ClipTiming.startTime(tags: [:], fileName: named, modified: mtime, duration: 60, zone: shanghai))
        #expect(source == .filename)
        #expect(start == named.start)
    }

    @Test func mtimeMinusDurationIsTheLastResort() throws {
        let (start, source) = try #require(ClipTiming.startTime(tags: [:], fileName: nil, modified: mtime, duration: 60, zone: shanghai))
        #expect(source == .mtime)
        #expect(start == mtime.addingTimeInterval(-60))
    }

    @Test(arguments: ["1904-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000000Z", "not a date"])
    func unsetCameraClocksFallThroughToTheFileName(tag: String) throws {
        let (_, source) = try #require(ClipTiming.startTime(
            tags: ["creation_time": tag], fileName: named, modified: mtime, duration: 60, zone: shanghai))
        #expect(source == .filename)
    }

    @Test func zonelessContainerTimeIsReadInTheConfiguredZone() throws {
        // AVI writes "2003-03-10 15:04:43": the camera's local time, no zone.
        let (start, source) = try #require(ClipTiming.startTime(
            tags: ["creation_time": "2003-03-10 15:04:43"], fileName: nil, modified: nil, duration: nil, zone: shanghai))
        #expect(source == .container)
        #expect(Timestamp.format(start) == "2003-03-10T07:04:43Z")
    }

    @Test func locationTagSpellings() {
        #expect(ClipTiming.location(tags: ["com.apple.quicktime.location.ISO6709": "+32.0929+034.8620+028.516/"])?.lat == 32.0929)
        #expect(ClipTiming.location(tags: ["location": "+33.1268-117.3273/"])?.lon == -117.3273)
        #expect(ClipTiming.location(tags: ["location": "garbage"]) == nil)
    }
}

@Suite struct JSONValueTests {
    @Test func objectsKeepTheirKeyOrderAndEscape() {
        var o = JSONObjectBuilder()
        o.add("z", "a\"b\\c\n\u{1}/é")
        o.add("a", 1.5)
        o.add("m", nil as String?, null: true)
        o.add("skipped", nil as Int?)
        o.add("whole", 5.0)
        #expect(o.value.rendered == #"{"z":"a\"b\\c\n\u0001/é","a":1.5,"m":null,"whole":5.0}"#)
    }

    @Test func probeRecordPrintsSpecFieldsInSpecOrder() throws {
        let record = ProbeRecord(path: "a.mp4", size: 10, integrity: .unreadable, error: "No demuxer.")
        let text = record.jsonValue.rendered
        let keys = ["path", "size", "sha256", "format_name", "duration", "bit_rate", "start_time", "time_source", "streams", "tags", "integrity", "error"]
        let positions = try keys.map { key in try #require(text.range(of: "\"\(key)\":")).lowerBound }
        #expect(positions == positions.sorted())
        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(decoded?["error"] as? String == "No demuxer.")
        #expect(decoded?["sha256"] is NSNull)
    }
}
