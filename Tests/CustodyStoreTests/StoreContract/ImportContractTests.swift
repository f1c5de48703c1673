import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Hand-ins, dispatch imports and check-out imports are idempotent: the same input twice changes
    /// nothing the second time; a changed row is updated in place.
    @Suite struct ImportContractTests {
        let rows = [
            Given.row("I-1", "A", from: 0, to: 600, category: "纠纷"),
            Given.row("I-1", "B", from: 30, to: 600),
            Given.row("I-2", "A", from: 3600, to: 4200),
        ]

        @Test(arguments: Backend.allCases)
        func theSameDispatchRowsImportedTwiceChangeNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let first = try await Given.dispatch(c, rows)
                #expect(first.new == 3 && first.updated == 0 && first.unchanged == 0)
                #expect(first.newIncidents == 2 && first.updatedIncidents == 0 && first.officers == ["A", "B"])
                let headBefore = try await c.chainHead()
                let second = try await Given.dispatch(c, rows)
                #expect(second.unchanged == 3 && second.new == 0 && second.updated == 0)
                #expect(second.newIncidents == 0 && second.updatedIncidents == 0 && second.officers.isEmpty)
                await #expect(try c.dispatchRowCount() == 3)
                await #expect(try c.dispatchRows(incident: "I-1") == [rows[0], rows[1]])
                // Nothing changed, so nothing was audited.
                await #expect(try c.chainHead() == headBefore)
                await #expect(try Given.actions(c).filter { $0 == "dispatch-imported" }.count == 1)
            }
        }

        @Test(arguments: Backend.allCases)
        func aChangedDispatchRowIsUpdatedInPlaceAndNamesItsOfficer(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, rows)
                var changed = rows[1]
                changed.clearedAt = Given.at(900)
                let added = Given.row("I-2", "C", from: 3600, to: 4000)
                let result = try await Given.dispatch(c, [rows[0], changed, rows[2], added], source: "cad-2.csv")
                #expect(result.new == 1 && result.updated == 1 && result.unchanged == 2)
                #expect(result.newIncidents == 0 && result.updatedIncidents == 2 && result.officers == ["B", "C"])
                await #expect(try c.dispatchRowCount() == 4)
                await #expect(try c.dispatchRows(incident: "I-1").map(\.clearedAt) == [Given.at(600), Given.at(900)])
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "dispatch-imported" && entry.subject == "cad-2.csv")
            }
        }

        /// Issue 16: a unit dispatched to the same incident twice is two attendances, each linked
        /// and judged on its own; the import says so; the same rows again change nothing.
        @Test(arguments: Backend.allCases)
        func aUnitDispatchedTwiceKeepsBothAttendances(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                var first = Given.row("I-5", "A", from: 0, to: 600)
                var second = Given.row("I-5", "A", from: 3000, to: 3600)
                var lines = [(line: 2, row: first), (line: 3, row: second), (line: 4, row: Given.row("I-5", "B", from: 0, to: 600))]
                DispatchRow.numberAttendances(&lines)
                #expect(lines.map(\.row.attendanceKey) == ["", "n:2", ""])
                (first, second) = (lines[0].row, lines[1].row)
                let imported = try await c.upsertDispatch(lines, source: "cad.csv", actor: "test")
                #expect(imported.new == 3 && imported.newIncidents == 1)
                #expect(imported.redispatched == [.init(incidentID: "I-5", officerID: "A")])
                await #expect(try c.dispatchRows(incident: "I-5") == [first, second, lines[2].row])
                // The first attendance fully recorded; the second with a 30 s interruption.
                try await Given.clip(c, 1, officer: "A", start: Given.at(0), duration: 600)
                try await Given.clip(c, 2, officer: "A", start: Given.at(3000), duration: 200)
                try await Given.clip(c, 3, officer: "A", start: Given.at(3230), duration: 370)
                try await Given.clip(c, 4, officer: "B", start: Given.at(0), duration: 600)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(LinkingContractTests.describe(try c.findings(.init(incidentID: "I-5"))) == ["I-5 A interruption 3200…3230 (30 s)"])
                let clips = try await c.clips(ofOfficer: "A").map(\.incidents)
                #expect(clips == [["I-5"], ["I-5"], ["I-5"]], "every clip of both attendances is linked")
                let figures = try await c.coverageFigures()
                #expect(figures.judged == 3 && figures.judgedWithFootage == 3 && figures.fullyCovered == 2)
                // The incident page shows both attendances, numbered.
                let detail = try #require(try await c.incidentDetail("I-5"))
                #expect(detail["officers"]?.arrayValue.map { "\($0["officer_id"]?.stringValue ?? "")#\($0["attendance"]?.intValue ?? 0)" } == ["A#1", "A#2", "B#0"])
                // The same file again: nothing new; the second attendance corrected: updated in place.
                let again = try await c.upsertDispatch(lines, source: "cad.csv", actor: "test")
                #expect(again.unchanged == 3 && again.new == 0 && again.updated == 0)
                lines[1].row.clearedAt = Given.at(3700)
                let corrected = try await c.upsertDispatch(lines, source: "cad-2.csv", actor: "test")
                #expect(corrected.updated == 1 && corrected.new == 0 && corrected.officers == ["A"])
                await #expect(try c.dispatchRowCount() == 3)
            }
        }

        /// Issue 16, acceptance 4: a camera whose clock runs 90 s slow makes its footage look 90 s
        /// early (an early stop that is not), one 90 s fast makes it look late (a late start that is
        /// not). Once a check-out log says what each camera's clock read at its return, the clips
        /// are moved by the offset, those findings go, the ones that remain say they were
        /// corrected, and each camera gets clock_drift and a supervisor's queue item.
        @Test(arguments: Backend.allCases)
        func aCameraClockOffByNinetySecondsIsCorrectedAndReported(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                try await Given.dispatch(c, [Given.row("I-7", "A", from: 0, to: 600), Given.row("I-8", "B", from: 0, to: 600)])
                // A's camera, 90 s slow: truly recorded 0…500, stamped −90…410.
                try await Given.clip(c, 1, officer: "A", start: Given.at(-90), duration: 500, device: "CAM-S", timeSource: .filename)
                // B's camera, 90 s fast: truly 0…600, stamped 90…690.
                try await Given.clip(c, 2, officer: "B", start: Given.at(90), duration: 600, device: "CAM-F", timeSource: .filename)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                await #expect(LinkingContractTests.describe(try c.findings()) == [
                    "I-7 A early_stop 410…600 (190 s)", "I-8 B late_start 0…90 (90 s)",
                ])
                let returned = Given.at(7200)
                let log = [
                    DeviceCheckout(deviceID: "CAM-S", officerID: "A", checkedOutAt: Given.at(-3600), returnedAt: returned,
                                   deviceTimeAtReturn: returned.addingTimeInterval(-90)),
                    DeviceCheckout(deviceID: "CAM-F", officerID: "B", checkedOutAt: Given.at(-3600), returnedAt: returned,
                                   deviceTimeAtReturn: returned.addingTimeInterval(90)),
                ]
                #expect(log.map(\.clockOffset) == [-90, 90])
                _ = try await c.upsertCheckouts(log, actor: "test", source: "log.csv")
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                let findings = try await c.findings()
                await #expect(LinkingContractTests.describe(findings) == [
                    "- A clock_drift 7110…7200 (90 s)", "- B clock_drift 7110…7200 (90 s)", "I-7 A early_stop 500…600 (100 s)",
                ].sorted())
                let early = try #require(findings.first { $0.kind == .earlyStop })
                #expect(early.clockOffset == -90, "the finding says its times were corrected")
                #expect(findings.filter { $0.kind == .clockDrift }.map(\.deviceID) == ["CAM-S", "CAM-F"])
                #expect(findings.first { $0.kind == .clockDrift && $0.officerID == "A" }?.clockOffset == -90)
                // Within the limit (a 20 s offset under the default 30): corrected, not reported.
                var loose = Policy()
                loose.driftLimitSeconds = 100
                try await c.relink(officers: nil, policy: loose, actor: "test")
                await #expect(try c.findings().filter { $0.kind == .clockDrift }.isEmpty)
                try await c.relink(officers: nil, policy: Policy(), actor: "test")
                // A queue item for the supervisor per camera, on its latest clip.
                try await c.refreshQueue(sampleShare: 0)
                let items = try await c.queue(state: nil, limit: 50, offset: 0).items.filter { $0.reason == "clock_drift" }
                #expect(Set(items.compactMap(\.clipSHA256)) == [Given.sha(1), Given.sha(2)])
            }
        }

        @Test(arguments: Backend.allCases)
        func theSameCheckoutsImportedTwiceChangeNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let log = [
                    DeviceCheckout(deviceID: "CAM-1", officerID: "A", checkedOutAt: Given.at(-3600), returnedAt: Given.at(7200)),
                    DeviceCheckout(deviceID: "CAM-2", officerID: "B", checkedOutAt: Given.at(-3600), returnedAt: nil),
                ]
                await #expect(try c.upsertCheckouts(log, actor: "test", source: "log.csv") == (new: 2, updated: 0))
                let head = try await c.chainHead()
                await #expect(try c.upsertCheckouts(log, actor: "test", source: "log.csv") == (new: 0, updated: 0))
                await #expect(try c.chainHead() == head)
                await #expect(try c.officer(device: "CAM-1", at: Given.at(0)) == "A")
                await #expect(try c.officer(device: "CAM-2", at: Given.at(100 * Given.day)) == "B")
                await #expect(try c.officer(device: "CAM-1", at: Given.at(7201)) == nil)
                await #expect(try c.officer(device: "CAM-1", at: Given.at(-3601)) == nil)
                await #expect(try c.officer(device: "CAM-9", at: Given.at(0)) == nil)

                // The camera came back earlier than first logged: one row updated, not added.
                var corrected = log
                corrected[0].returnedAt = Given.at(60)
                await #expect(try c.upsertCheckouts(corrected, actor: "test", source: "log-2.csv") == (new: 0, updated: 1))
                await #expect(try c.officer(device: "CAM-1", at: Given.at(120)) == nil)
                await #expect(try Given.actions(c).filter { $0 == "checkouts-imported" }.count == 2)
            }
        }

        @Test(arguments: Backend.allCases)
        func reattributingByCheckoutTwiceChangesNothingTheSecondTime(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let unattributed = try await Given.clip(c, 1, officer: nil, start: Given.at(0), device: "CAM-1")
                let named = try await Given.clip(c, 2, officer: "Z", start: Given.at(0), device: "CAM-1", attribution: "ingest")
                _ = try await c.upsertCheckouts(
                    [DeviceCheckout(deviceID: "CAM-1", officerID: "A", checkedOutAt: Given.at(-60), returnedAt: Given.at(3600))],
                    actor: "test", source: "log.csv")
                let first = try await c.reattributeByCheckout(devices: ["CAM-1"], actor: "test")
                #expect(first.changed == 1 && first.officers == ["A"])
                let clip = try await #require(try c.evidence(sha256: unattributed))
                #expect(clip.officerID == "A" && clip.attribution == "checkout")
                // An officer named at ingest is never overridden by the log.
                await #expect(try c.evidence(sha256: named)?.officerID == "Z")
                let second = try await c.reattributeByCheckout(devices: ["CAM-1"], actor: "test")
                #expect(second.changed == 0 && second.officers.isEmpty)

                // A corrected log moves the clip to the officer who really had the camera.
                _ = try await c.upsertCheckouts(
                    [DeviceCheckout(deviceID: "CAM-1", officerID: "B", checkedOutAt: Given.at(-60), returnedAt: Given.at(3600))],
                    actor: "test", source: "log-2.csv")
                let third = try await c.reattributeByCheckout(devices: ["CAM-1"], actor: "test")
                #expect(third.changed == 1 && third.officers == ["A", "B"])
                await #expect(try c.evidence(sha256: unattributed)?.officerID == "B")
            }
        }

        @Test(arguments: Backend.allCases)
        func theSameContentHandedInTwiceIsOneEvidenceRowAndTwoReceipts(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: "A", start: Given.at(0))
                let again = try await #require(try c.evidence(sha256: sha))
                let receipt = Given.receipt(sha, 1, received: Given.at(7200), method: "watch", source: "/inbox/copy.mp4")
                await #expect(try c.record(evidence: again, receipt: receipt, actor: "watch") == .duplicate)
                #expect(try await c.evidenceCount() == 1)
                #expect(try await c.receiptCount() == 2)
                await #expect(try c.receipts(sha256: sha).map(\.duplicate) == [false, true])
                await #expect(try c.receipts(sha256: sha).map(\.method) == ["ingest", "watch"])
                await #expect(try c.allEvidence().map(\.sha256) == [sha])
                await #expect(try Given.actions(c) == ["received", "received-duplicate"])
            }
        }

        @Test(arguments: Backend.allCases)
        func aQuarantinedHandInIsStoredAsQuarantinedAndAuditedSo(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = try await Given.clip(c, 1, officer: nil, start: Given.at(0), location: .quarantine)
                let stored = try await #require(try c.evidence(sha256: sha))
                #expect(stored.location == .quarantine && stored.quarantineReason == "unreadable" && stored.storedPath == "quarantine/1.mp4")
                #expect(stored.probe.integrity == .unreadable)
                await #expect(try Given.actions(c) == ["quarantined"])
            }
        }

        @Test(arguments: Backend.allCases)
        func recordingAHandInClearsItsPendingAndMoveJournalEntries(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let sha = Given.sha(1)
                let pendingID = try await c.addPending(PendingIngest(
                    sha256: sha, stagedPath: "staging/x", finalPath: "vault/1.mp4", evidenceJSON: "{}", receiptJSON: "{}"))
                let otherPending = try await c.addPending(PendingIngest(
                    sha256: Given.sha(2), stagedPath: "staging/y", finalPath: "vault/2.mp4", evidenceJSON: "{}", receiptJSON: "{}"))
                let source = Array("/inbox/\u{e9}t\u{e9}.mp4".utf8) + [0xff]  // not valid UTF-8: kept as bytes
                let moveID = try await c.addMove(source: source, staged: "staging/x")
                await #expect(try c.pending().map(\.id) == [pendingID, otherPending])
                let moves = try await c.moves()
                #expect(moves.map(\.id) == [moveID] && moves.first?.sourcePath == source && moves.first?.stagedPath == "staging/x")

                let probe = ProbeRecord(path: "x.mp4", size: 10, sha256: sha, duration: 5, startTime: Given.t0, integrity: .ok)
                let evidence = EvidenceRecord(sha256: sha, size: 10, ext: "mp4", location: .vault, storedPath: "vault/1.mp4", quarantineReason: nil, probe: probe, storedAt: Given.t0)
                try await c.record(evidence: evidence, receipt: Given.receipt(sha, 1, received: Given.t0), actor: "cli", pendingID: pendingID, moveID: moveID)
                await #expect(try c.pending().map(\.sha256) == [Given.sha(2)])
                await #expect(try c.moves().isEmpty)
                try await c.removePending(id: otherPending)
                await #expect(try c.pending().isEmpty)
            }
        }
    }
}
