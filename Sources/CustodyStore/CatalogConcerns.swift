public import CustodyCore
public import Foundation

// The catalog's calls, by concern. `Catalog` is the one facade and conforms to all of them;
// code that needs one concern can take `any ReviewQueueStore` (say) and say so. The backends
// (SQLite, PostgreSQL) sit behind `Catalog`, not behind these: every call here has the same
// meaning on both, which the Store contract suite checks.

/// Stored files and their hand-ins: evidence rows, receipts, the pending and move journals, devices and dispatch imports.
public protocol EvidenceStore: Sendable {
    func evidence(sha256: String) async throws -> EvidenceRecord?
    func allEvidence() async throws -> [EvidenceRecord]
    func storedPaths(sha256s: [String]) async throws -> Set<String>
    func evidenceCount() async throws -> Int
    func receipts(sha256: String) async throws -> [ReceiptRecord]
    func receiptCount() async throws -> Int
    func record(evidence: EvidenceRecord, receipt: ReceiptRecord, actor: String, pendingID: Int64?, moveID: Int64?) async throws -> Catalog.Recorded
    func addPending(_ pending: PendingIngest, node: String) async throws -> Int64
    func pending(node: String?) async throws -> [PendingIngest]
    func removePending(id: Int64) async throws
    func addMove(source: [UInt8], staged: String, node: String) async throws -> Int64
    func moves(node: String?) async throws -> [Catalog.MoveEntry]
    func removeMove(id: Int64) async throws
    func upsertCheckouts(_ checkouts: [DeviceCheckout], actor: String, source: String) async throws -> (new: Int, updated: Int)
    func officer(device: String, at instant: Date) async throws -> String?
    func reattributeByCheckout(devices: Set<String>, actor: String) async throws -> (changed: Int, officers: Set<String>)
    func upsertDispatch(_ rows: [(line: Int, row: DispatchRow)], source: String, actor: String) async throws -> Catalog.DispatchUpsert
    func dispatchRowCount() async throws -> Int
    func dispatchRows(incident: String) async throws -> [DispatchRow]
}

/// Links of clips to calls, coverage, findings, and the views and report figures built on them.
public protocol LinkStore: Sendable {
    /// The 110 handling findings of the matching dispatch rows, as of an instant (issue 15).
    func handlingFindings(
        policy: HandlingPolicy, asOf: Date, incidentID: String?, officerID: String?, since: Date?, until: Date?, kinds: Set<HandlingKind>?
    ) async throws -> [HandlingFinding]
    func relink(officers: Set<String>?, policy: Policy, actor: String) async throws -> Catalog.LinkSummary
    func relinkOrQueue(officers: Set<String>, policy: Policy, actor: String) async throws -> Catalog.RelinkOutcome
    func relinksWanted() async throws -> Set<String>
    func relinkWanted(policy: Policy, actor: String) async throws -> Set<String>
    func findings(_ query: Catalog.FindingQuery) async throws -> [Finding]
    func coverageFigures() async throws -> Catalog.CoverageFigures
    func officers(ofClips sha256s: [String]) async throws -> Set<String>
    func linkedIncidentsByOriginalName() async throws -> [String: [String]]
    func incidentDetail(_ incidentID: String, handling: HandlingPolicy, asOf: Date) async throws -> JSONValue?
    func clipDetail(_ evidence: EvidenceRecord) async throws -> JSONValue
    func serverFigures(now: Date) async throws -> Catalog.ServerFigures
    func periodFigures(from start: Date, to end: Date) async throws -> PeriodFigures
    func periodReport(_ period: ReportPeriod, zone: TimeZone, handling: HandlingPolicy) async throws -> PeriodReport
    func handlingPeriod(policy: HandlingPolicy, from start: Date, to end: Date) async throws -> HandlingPeriod
    func officersActive(from start: Date, to end: Date) async throws -> Set<String>
    func reviewItemID(incident: String, officer: String?) async throws -> Int64?
    func reviewItemID(clip sha256: String) async throws -> Int64?
    func incidents(_ filter: IncidentFilter, limit: Int, offset: Int) async throws -> (rows: [IncidentSummary], total: Int)
}

/// The review queue: items, claims and leases, verdicts, reopening and reassigning, requests by hand, search.
public protocol ReviewQueueStore: Sendable {
    func refreshQueue(officers: Set<String>?, handling: HandlingPolicy, sampleShare: Double, seed: String, now: Date) async throws -> Int
    func relinkAndRefreshQueue(officers: Set<String>, policy: Policy, actor: String) async throws -> Catalog.LinkSummary
    func queue(state: String?, limit: Int, offset: Int, now: Date) async throws -> (items: [ReviewItem], total: Int)
    func queueVersion(now: Date) async throws -> Int
    func expireLeases(now: Date) async throws
    func reviewItem(_ id: Int64, now: Date) async throws -> ReviewItem?
    func claim(_ id: Int64, by user: String, lease: TimeInterval, now: Date) async throws -> ReviewItem
    func release(_ id: Int64, by user: String, asSupervisor: Bool, now: Date) async throws -> ReviewItem
    func recordVerdict(_ id: Int64, by user: String, verdict: String, checklist: [String], note: String?, now: Date) async throws -> ReviewItem
    func reopen(_ id: Int64, by supervisor: String, reason: String?, now: Date) async throws -> ReviewItem
    func renew(_ id: Int64, by user: String, lease: TimeInterval, now: Date) async throws -> ReviewItem
    func requestReview(incident: String, officer: String?, reason: String, by actor: String, now: Date) async throws -> ReviewItem
    func itemHistory(_ id: Int64) async throws -> [AuditEntry]
    func queue(_ filter: QueueFilter, limit: Int, offset: Int, now: Date) async throws -> (items: [ReviewItem], total: Int)
    func queueCounts(_ filter: QueueFilter, now: Date) async throws -> [String: Int]
    func queueFacets() async throws -> (stations: [String], categories: [String], reasons: [String], reviewers: [String])
    func reassign(_ id: Int64, to reviewer: String, by supervisor: String, lease: TimeInterval, now: Date) async throws -> ReviewItem
}

/// Accounts, roles, disabling, and session and station tokens.
public protocol AccountStore: Sendable {
    func addUser(name: String, role: Role, officerID: String?, passwordHash: String, by actor: String) async throws -> User
    func accounts() async throws -> [Account]
    func account(name: String) async throws -> Account?
    func setDisabled(name: String, _ disabled: Bool, by actor: String, now: Date) async throws -> Account
    func setPassword(name: String, passwordHash: String, by actor: String) async throws -> Account
    func changeRole(name: String, role: Role, officerID: String?, by actor: String) async throws -> Account
    func credentials(name: String) async throws -> (User, String)?
    func issueToken(for user: User, kind: String, lifetime: TimeInterval?) async throws -> String
    func user(forToken token: String) async throws -> User?
    func stationUser(name: String, unusablePasswordHash: String) async throws -> User
    func issueStationToken(for user: User, lifetime: TimeInterval?, actor: String) async throws -> String
    func revokeTokens(userID: Int64, name: String, actor: String) async throws -> Int
    func revokeToken(_ token: String) async throws
    func stationTokens(now: Date) async throws -> [StationToken]
    func revokeStationToken(id: String, by actor: String) async throws -> StationToken
}

/// Resumable uploads: offsets, completion, expiry.
public protocol UploadStore: Sendable {
    func addUpload(_ upload: UploadRecord) async throws
    func upload(id: String) async throws -> UploadRecord?
    func advanceUpload(id: String, from: Int64, to offset: Int64, complete: Bool, now: Date) async throws -> Bool
    func finishUpload(id: String, sha256: String?, status: String, reason: String?, now: Date) async throws
    func noteUploadProblem(id: String, reason: String, now: Date) async throws
    func endUpload(id: String, state: UploadRecord.State, actor: String, reason: String, now: Date) async throws -> Bool
    func staleUploads(before: Date) async throws -> [UploadRecord]
    func completeUploads() async throws -> [UploadRecord]
    func uploads(userID: Int64, limit: Int) async throws -> [UploadRecord]
    func uploadReceipt(sourcePath: String) async throws -> (sha256: String, duplicate: Bool)?
    func clips(ofOfficer officer: String, limit: Int) async throws -> [Catalog.OfficerClip]
}

/// Retention, holds, tombstones and fixity checks.
public protocol RetentionStore: Sendable {
    func placeHold(kind: Hold.Kind, clip: String?, incident: String?, reason: String, by actor: String, now: Date) async throws -> Hold
    func releaseHold(_ id: Int64, reason: String, by actor: String, now: Date) async throws -> Hold
    func holds(activeOnly: Bool) async throws -> [Hold]
    func retentionReview(policy: RetentionPolicy, reference: Date) async throws -> (due: [RetentionItem], kept: [RetentionItem])
    func recordPurge(sha256: String, policy: RetentionPolicy, reference: Date, by actor: String, context: String, now: Date) async throws -> Tombstone?
    func fileRemoved(sha256: String, now: Date) async throws
    func unfinishedPurges() async throws -> [Tombstone]
    func tombstones() async throws -> [Tombstone]
    func tombstone(sha256: String) async throws -> Tombstone?
    func fixityDue(day: CalendarDay, zone: TimeZone, cycleDays: Int, now: Date) async throws -> [FixityTarget]
    func recordFixity(_ results: [(target: FixityTarget, problem: String?)], actor: String, now: Date) async throws
}

/// The hash-chained audit log and its anchors.
public protocol AuditTrail: Sendable {
    func audit(actor: String, action: String, subject: String, detail: JSONValue) async throws
    func auditEntries(since: Date?) async throws -> [AuditEntry]
    func auditEntries(_ filter: AuditFilter, limit: Int, offset: Int) async throws -> (entries: [AuditEntry], total: Int)
    func auditActions() async throws -> [String]
    func chainOfCustody(sha256: String) async throws -> [AuditEntry]
    func verifyAuditChain() async throws -> [String]
    func chainHead() async throws -> (entries: Int64, head: String)
    func checkAnchors(_ anchors: [ChainAnchor]) async throws -> [String]
}

/// What each stored clip showed and sounded like (issue 14): the analysis queue and its results.
public protocol ContentAnalysisStore: Sendable {
    func claimAnalysis(node: String, lease: Double, now: Date) async throws -> Catalog.AnalysisClaim?
    func recordAnalysis(_ result: ContentAnalysisResult, node: String, now: Date) async throws -> String?
    func recordAnalysisFailure(sha256: String, message: String, node: String, maxAttempts: Int, now: Date) async throws -> Bool
    func analysisCounts() async throws -> Catalog.AnalysisCounts
    func contentAnalysis(sha256: String) async throws -> ContentAnalysisResult?
    func requeueAnalysis(sha256s: [String]?, actor: String) async throws -> Int
}

extension Catalog: EvidenceStore, LinkStore, ReviewQueueStore, AccountStore, UploadStore, RetentionStore, AuditTrail, ContentAnalysisStore {}
