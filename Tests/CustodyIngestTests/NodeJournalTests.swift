import CustodyCore
import CustodyIngest
import CustodyStore
import CustodyTestSupport
import Foundation
import Logging
import Testing

/// Two nodes on one catalog, each with its own data folder (its own staging): start-up
/// reconciliation on one node leaves the other node's unfinished hand-ins alone (issue 12).
@Suite struct NodeJournalTests {
    @Test func aNodeReconcilesOnlyItsOwnJournalEntries() async throws {
        let root = try TestEnvironment.temporaryFolder("nodes")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try DataFolder(path: root.appendingPathComponent("a").path)
        let b = try DataFolder(path: root.appendingPathComponent("b").path)
        // One shared catalog (a's file stands in for the shared database).
        let catalog = try Catalog(path: a.catalogPath)
        let naming = try FileNameConvention(timeZone: TimeZone(identifier: "UTC")!)
        let nodeA = Ingestor(folder: a, catalog: catalog, inspector: ClipInspector(naming: naming), logger: Logger(label: "a"), node: "a")
        let nodeB = Ingestor(folder: b, catalog: catalog, inspector: ClipInspector(naming: naming), logger: Logger(label: "b"), node: "b")

        // Node a renamed a source into its staging and stopped before storing it.
        let source = root.appendingPathComponent("J1_012345_20240214084900_0001.mp4")
        let staged = a.staging.appendingPathComponent("in-flight.part")
        try Data("clip bytes".utf8).write(to: staged)
        let moveID = try await catalog.addMove(source: Array(source.path.utf8), staged: staged.path, node: "a")

        // Node b starting up: a's entry and a's staged file are not b's to touch.
        let byB = try await nodeB.reconcile()
        #expect(byB.restored == 0)
        #expect(try await catalog.moves(node: "a").map(\.id) == [moveID])
        #expect(try await catalog.moves(node: "b").isEmpty)
        #expect(FileManager.default.fileExists(atPath: staged.path))

        // Node a starting up puts its source back and clears its entry.
        let byA = try await nodeA.reconcile()
        #expect(byA.restored == 1)
        #expect(FileManager.default.fileExists(atPath: source.path))
        #expect(try await catalog.moves().isEmpty)
    }

    @Test func entriesWrittenBeforeNodesExistedAreReconciledByAnyNode() async throws {
        let root = try TestEnvironment.temporaryFolder("nodes-legacy")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try DataFolder(path: root.appendingPathComponent("a").path)
        let catalog = try Catalog(path: a.catalogPath)
        let naming = try FileNameConvention(timeZone: TimeZone(identifier: "UTC")!)
        let node = Ingestor(folder: a, catalog: catalog, inspector: ClipInspector(naming: naming), logger: Logger(label: "a"), node: "a")
        let source = root.appendingPathComponent("old.mp4")
        let staged = a.staging.appendingPathComponent("old.part")
        try Data("old".utf8).write(to: staged)
        _ = try await catalog.addMove(source: Array(source.path.utf8), staged: staged.path)  // node ''
        #expect(try await catalog.moves(node: "a").count == 1)
        #expect(try await node.reconcile().restored == 1)
        #expect(FileManager.default.fileExists(atPath: source.path))
    }
}
