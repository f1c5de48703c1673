import CustodyCore
import CustodyIngest
import CustodyTestSupport
import Foundation
import Testing

/// Issue 16, item 3: named file-name profiles in config.toml, several active at once, each with
/// its zone; `custody probe` says which one matched.
@Suite struct FileNameProfileTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    func naming(_ names: [String], zone: TimeZone? = nil) throws -> FileNameConvention {
        var config = CustodyConfiguration()
        config.timeZone = zone ?? shanghai
        config.naming.active = names
        return try config.fileNaming()
    }

    @Test func theCollectionStationProfileReadsLocalTime() throws {
        let m = try #require(try naming(["station"]).match(fileName: "/inbox/J0012345_012345_20240214093000_0001.MP4"))
        #expect(m.profile == "station" && m.parsed.deviceID == "J0012345" && m.parsed.officerID == "012345" && m.parsed.sequence == 1)
        #expect(m.parsed.start.map(Timestamp.format) == "2024-02-14T01:30:00Z")
    }

    @Test func theGAT947ProfileWantsASevenCharacterSerialAndASixDigitBadge() throws {
        let gat = try naming(["gat947"])
        let m = try #require(gat.match(fileName: "DSJ0A12_012345_20240214093000_0007.mp4"))
        #expect(m.profile == "gat947" && m.parsed.deviceID == "DSJ0A12" && m.parsed.officerID == "012345" && m.parsed.sequence == 7)
        #expect(m.parsed.start.map(Timestamp.format) == "2024-02-14T01:30:00Z")
        #expect(gat.match(fileName: "J0012345_012345_20240214093000_0001.mp4") == nil, "an 8-character serial is not GA/T 947's")
        #expect(gat.match(fileName: "DSJ0A12_12345_20240214093000_0007.mp4") == nil, "a 5-digit badge is not")
        #expect(gat.match(fileName: "DSJ0A12_012345_20240214093000_7.mp4") == nil, "the sequence has 4 digits")
    }

    @Test func theAxisProfileReadsTheRecordingContainerAndClipInUTC() throws {
        let axis = try naming(["axis"])
        let path = "/drop/7f6c1a2e-9b1d-4c55-8a0e-3f2b1c4d5e6f_ABC123456_20240214T013000Z/20240214_013012_4711.mkv"
        let m = try #require(axis.match(fileName: path))
        #expect(m.profile == "axis" && m.parsed.officerID == "7f6c1a2e-9b1d-4c55-8a0e-3f2b1c4d5e6f" && m.parsed.deviceID == "ABC123456")
        #expect(m.parsed.start.map(Timestamp.format) == "2024-02-14T01:30:12Z", "UTC, whatever the folder's zone")
        #expect(axis.match(fileName: "20240214_013012_4711.mkv") == nil, "the clip alone does not say whose it is")
    }

    @Test func theGenericProfileReadsADateAndTimeAtTheEnd() throws {
        let m = try #require(try naming(["generic"]).match(fileName: "Front door cam_20240214_093000.MP4"))
        #expect(m.profile == "generic" && m.parsed.officerID == nil && m.parsed.deviceID == nil)
        #expect(m.parsed.start.map(Timestamp.format) == "2024-02-14T01:30:00Z")
    }

    @Test func severalProfilesAreTriedInOrderAndTheFirstMatchWins() throws {
        let all = try naming(["gat947", "station", "axis", "generic"])
        #expect(all.match(fileName: "DSJ0A12_012345_20240214093000_0007.mp4")?.profile == "gat947")
        #expect(all.match(fileName: "J0012345_012345_20240214093000_0001.mp4")?.profile == "station")
        #expect(all.match(fileName: "u1_CAM9_20240214T013000Z/20240214_013012_1.mp4")?.profile == "axis")
        #expect(all.match(fileName: "x_20240214_093000.mp4")?.profile == "generic")
        #expect(all.match(fileName: "VID_0001.mp4") == nil)
        #expect(try naming(["station", "gat947"]).match(fileName: "DSJ0A12_012345_20240214093000_0007.mp4")?.profile == "station")
    }

    @Test func configTOMLDefinesAndActivatesProfiles() throws {
        let config = try ConfigFile.parse("""
            time_zone = "Asia/Shanghai"
            [naming]
            profiles = ["vendor_x", "station"]
            [naming.profile.vendor_x]
            pattern = '^(?<officer>\\d{6})-(?<start>\\d{8}-\\d{6})\\.mp4$'
            time_zone = "Europe/Berlin"
            """)
        let naming = try config.fileNaming()
        #expect(naming.profiles.map(\.name) == ["vendor_x", "station"])
        let m = try #require(naming.match(fileName: "023456-20240214-093000.mp4"))
        #expect(m.profile == "vendor_x" && m.parsed.officerID == "023456")
        #expect(m.parsed.start.map(Timestamp.format) == "2024-02-14T08:30:00Z", "the profile's own zone (Berlin, UTC+1)")
        #expect(naming.match(fileName: "J0012345_012345_20240214093000_0001.mp4")?.parsed.start.map(Timestamp.format) == "2024-02-14T01:30:00Z")
        // Without [naming], the one pattern as before.
        #expect(try ConfigFile.parse("").fileNaming().profiles.map(\.name) == ["station"])
    }

    @Test(arguments: [
        ("[naming]\nprofiles = [\"nikon\"]\n", "no file-name profile 'nikon'"),
        ("[naming]\nprofiles = []\n", "naming.profiles must be a list of profile names"),
        ("[naming]\nprofiles = [\"x\"]\n[naming.profile.x]\npattern = '(?<officer>'\n", "naming.profile.x.pattern is not a valid regular expression"),
        ("[naming.profile.x]\ntime_zone = \"UTC\"\n", "naming.profile.x needs a pattern"),
        ("[naming.profile.x]\npattern = 'a'\ntime_zone = \"Mars/Olympus\"\n", "naming.profile.x.time_zone must be an IANA zone name"),
    ])
    func aBadNamingTableIsRefusedWithASentence(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func probeSaysWhichProfileMatched() throws {
        let dir = try TestEnvironment.temporaryFolder("profiles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sample = try #require(TestEnvironment.files(in: TestEnvironment.footage).first { $0.pathExtension == "mp4" })
        let gat = dir.appendingPathComponent("DSJ0A12_012345_20240214093000_0007.mp4")
        let axisFolder = dir.appendingPathComponent("u1_CAM9_20240214T013000Z")
        try FileManager.default.createDirectory(at: axisFolder, withIntermediateDirectories: true)
        let axis = axisFolder.appendingPathComponent("20240214_013012_1.mp4")
        try FileManager.default.copyItem(at: sample, to: gat)
        try FileManager.default.copyItem(at: sample, to: axis)
        let run = try Run.program(TestEnvironment.custodyBinary, [
            "probe", "--json", "--tz", "Asia/Shanghai", "--profile", "gat947", "--profile", "axis", gat.path, axis.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        var seen: [String: (String?, String?)] = [:]
        for line in run.stdoutLines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            seen[(o["path"] as? String ?? "").components(separatedBy: "/").last ?? ""] = (o["file_name_profile"] as? String, o["device_id"] as? String)
        }
        #expect(seen["DSJ0A12_012345_20240214093000_0007.mp4"]?.0 == "gat947")
        // (The sample's container tags carry its start time, which wins over the name, SPEC §2.)
        #expect(seen["DSJ0A12_012345_20240214093000_0007.mp4"]?.1 == "DSJ0A12")
        #expect(seen["20240214_013012_1.mp4"]?.0 == "axis" && seen["20240214_013012_1.mp4"]?.1 == "CAM9")
        let human = try Run.program(TestEnvironment.custodyBinary, ["probe", "--profile", "gat947", gat.path])
        #expect(human.stdout.contains("matches profile gat947"), "\(human.stdout)")
        let unknown = try Run.program(TestEnvironment.custodyBinary, ["probe", "--profile", "nikon", gat.path])
        #expect(unknown.status == 64 && unknown.stderr.contains("no file-name profile 'nikon'"), "\(unknown.stderr)")
    }
}
