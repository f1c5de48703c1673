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

    @Test func auditAndHoldParseTheirOptions() throws {
        let audit = try #require(try CustodyCommand.parseAsRoot(["audit", "--day", "2024-02-14", "--out", "r", "--purge", "--by", "王"]) as? Audit)
        #expect(audit.day == "2024-02-14" && audit.out == "r" && audit.purge && audit.by == "王")
        #expect(try (CustodyCommand.parseAsRoot(["audit"]) as? Audit)?.purge == false)
        #expect(throws: (any Error).self) { try CustodyCommand.parseAsRoot(["audit", "--day", "14/02/2024"]) }
        let hold = try #require(try CustodyCommand.parseAsRoot(["hold", "add", "--incident", "110-1", "--case-evidence", "--reason", "案件"]) as? HoldAdd)
        #expect(hold.incident == "110-1" && hold.caseEvidence && hold.clip == nil)
        #expect(throws: (any Error).self) { try CustodyCommand.parseAsRoot(["hold", "add", "--clip", "abc", "--reason", "x"]) }
    }
}
