import CustodyStore
import CustodyTestSupport
import Foundation
import Testing

/// Issue 11 item 8: SPEC §7.4 judges a clip's earliest receipt (by its received-at time), and
/// the relink that follows a repeat hand-in applies it at once, not only after `custody link`.
@Suite struct LateUploadTests {
    static let custody = TestEnvironment.custodyBinary
    /// Officer 045678's clip on call 110-20240213-0042 ends at 2024-02-13T07:11:00Z.
    static let clip = TestEnvironment.footage.appendingPathComponent("J0045678_045678_20240213145900_0001.mp4")

    static func lateUploads(_ data: String) throws -> [String] {
        let gaps = try Run.program(custody, ["gaps", "--data", data, "--json", "--officer", "045678"])
        #expect(gaps.status == 0, "\(gaps.stderr)")
        return gaps.stdoutLines.filter { $0.contains("\"late_upload\"") }
    }

    static func queuedCall(_ data: String) async throws -> [String] {
        try await Catalog(path: data + "/custody.sqlite").queue(state: nil, limit: 100, offset: 0).items
            .filter { $0.incidentID == "110-20240213-0042" && $0.officerID == "045678" }.map(\.reason)
    }

    @Test func aRepeatHandInWithAnEarlierReceiptEndsTheLateUploadAtOnce() async throws {
        let dir = try TestEnvironment.temporaryFolder("late-upload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("time_zone = \"Asia/Shanghai\"\n".utf8).write(to: data.appendingPathComponent("config.toml"))
        let imported = try Run.program(Self.custody, ["dispatch", "import", "--data", data.path, TestEnvironment.samples.appendingPathComponent("dispatch.csv").path])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")

        // First hand-in 72 h after the clip's end: late.
        let first = try Run.program(Self.custody, ["ingest", "--data", data.path, "--received-at", "2024-02-16T07:11:00Z", Self.clip.path])
        #expect(first.status == 0, "\(first.stderr)")
        let late = try Self.lateUploads(data.path)
        #expect(late.count == 1)
        #expect(late.first?.contains("\"end\":\"2024-02-16T07:11:00Z\"") == true, "\(late)")
        #expect(try await Self.queuedCall(data.path) == ["late_upload"])

        // The same file handed in again from the docking station, whose receipt says 1 h after the end.
        let dock = dir.appendingPathComponent("dock")
        try FileManager.default.createDirectory(at: dock, withIntermediateDirectories: true)
        let copy = dock.appendingPathComponent(Self.clip.lastPathComponent)
        try FileManager.default.copyItem(at: Self.clip, to: copy)
        let second = try Run.program(Self.custody, ["ingest", "--data", data.path, "--received-at", "2024-02-13T08:11:00Z", copy.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("duplicate"), "\(second.stdout)")
        #expect(try Self.lateUploads(data.path).isEmpty)
        #expect(try await Self.queuedCall(data.path).isEmpty)

        // A later repeat with a late receipt changes nothing: the earliest receipt counts, not the last.
        try FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: Self.clip, to: copy)
        let third = try Run.program(Self.custody, ["ingest", "--data", data.path, "--received-at", "2024-02-20T00:00:00Z", copy.path])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try Self.lateUploads(data.path).isEmpty)
        // And a full relink agrees.
        let link = try Run.program(Self.custody, ["link", "--data", data.path])
        #expect(link.status == 0, "\(link.stderr)")
        #expect(try Self.lateUploads(data.path).isEmpty)
        #expect(try await Self.queuedCall(data.path).isEmpty)
    }
}
