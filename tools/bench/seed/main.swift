// custody-seed: builds synthetic data directly in a catalog, for tools/bench.
// usage: custody-seed DATA_DIR [OFFICERS ROWS CLIPS]     a city-year of calls and clips
//        custody-seed DATA_DIR queue N                   N open review-queue items
import CustodyStore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: custody-seed DATA_DIR [OFFICERS ROWS CLIPS] | DATA_DIR queue N\n".utf8))
    exit(2)
}
let folder = try DataFolder(path: arguments[1])
let catalog = try Catalog(path: folder.catalogPath)
let started = Date()
if arguments.count >= 4 && arguments[2] == "queue" {
    let count = Int(arguments[3]) ?? 100_000
    try await BenchmarkSeeder.seedQueue(catalog, count: count)
    print(String(format: "seeded %d queue items in %.1f s", count, Date().timeIntervalSince(started)))
} else {
    var plan = BenchmarkSeeder.Plan()
    if arguments.count >= 5 {
        plan.officers = Int(arguments[2]) ?? plan.officers
        plan.rows = Int(arguments[3]) ?? plan.rows
        plan.clips = Int(arguments[4]) ?? plan.clips
    }
    try await BenchmarkSeeder.seed(catalog, plan: plan) { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    print(String(format: "seeded %d officers, %d calls, %d clips in %.1f s", plan.officers, plan.rows, plan.clips, Date().timeIntervalSince(started)))
}
