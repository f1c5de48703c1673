import ArgumentParser
@testable import CustodyCLI
import Testing

@Suite struct CommandParsingTests {
    @Test func probeParsesItsOptions() throws {
        let command = try CustodyCommand.parseAsRoot(["probe", "--json", "--tz", "Asia/Shanghai", "a.mp4", "b.mp4"])
        let probe = try #require(command as? Probe)
        #expect(probe.json)
        #expect(probe.tz == "Asia/Shanghai")
        #expect(probe.files == ["a.mp4", "b.mp4"])
    }

    @Test func probeWithoutFilesIsRefused() {
        #expect(throws: (any Error).self) { try CustodyCommand.parseAsRoot(["probe"]) }
    }

    @Test func thumbnailTakesExactlyOneFile() {
        #expect(throws: (any Error).self) { try CustodyCommand.parseAsRoot(["probe", "--thumbnail", "x.jpg", "a.mp4", "b.mp4"]) }
    }

    @Test func anUnknownZoneIsRefusedWithItsName() {
        do {
            _ = try CustodyCommand.parseAsRoot(["probe", "--tz", "Mars/Olympus", "a.mp4"])
            Issue.record("expected a validation error")
        } catch {
            #expect(CustodyCommand.message(for: error).contains("Mars/Olympus"))
        }
    }
}
