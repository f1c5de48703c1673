// custody-seed: builds a synthetic city-year directly in a catalog, for tools/bench/link.
// usage: custody-seed DATA_DIR [OFFICERS ROWS CLIPS]
import CustodyStore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: custody-seed DATA_DIR [OFFICERS ROWS CLIPS]\n".utf8))
    exit(2)
}
var plan = BenchmarkSeeder.Plan()
if arguments.count >= 5 {
    plan.officers = Int(arguments[2]) ?? plan.officers
    plan.rows = Int(arguments[3]) ?? plan.rows
    plan.clips = Int(arguments[4]) ?? plan.clips
}
let folder = try DataFolder(path: arguments[1])
let catalog = try Catalog(path: folder.catalogPath)
let started = Date()
try BenchmarkSeeder.seed(catalog, plan: plan) { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
print(String(format: "seeded %d officers, %d calls, %d clips in %.1f s", plan.officers, plan.rows, plan.clips, Date().timeIntervalSince(started)))
