// custody-seed: builds synthetic data directly in a catalog, for tools/bench.
// usage: custody-seed [CATALOG] DATA_DIR [OFFICERS ROWS CLIPS]     a city-year of calls and clips
//        custody-seed [CATALOG] DATA_DIR queue N                   N open review-queue items
//        custody-seed --new-database URL [PASSWORD_FILE]           a new, empty, migrated
//                     PostgreSQL database on URL's server: prints its URL
// The catalog: the data folder's own SQLite file, unless its config.toml's [catalog] section
// names a PostgreSQL url (with password_file, else CUSTODY_CATALOG_PASSWORD), or CATALOG is
// given: --catalog postgres://USER@HOST:PORT/DB [--password-file FILE].
// (This target depends on CustodyStore only, so config.toml is read here, minimally.)
import CustodyStore
import Foundation

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("custody-seed: \(message)\n".utf8))
    exit(code)
}

func readPassword(_ file: String?) -> String? {
    guard let file else { return ProcessInfo.processInfo.environment["CUSTODY_CATALOG_PASSWORD"] }
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { fail("cannot read \(file)") }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `url` and `password_file` of config.toml's [catalog] section (string values on one line).
func catalogSettings(configPath: String) -> (url: String?, passwordFile: String?) {
    guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else { return (nil, nil) }
    var section = "", url: String?, passwordFile: String?
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("[") { section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")); continue }
        guard section == "catalog", !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
        let key = line[..<eq].trimmingCharacters(in: .whitespaces)
        var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard value.hasPrefix("\""), let end = value.dropFirst().firstIndex(of: "\"") else { continue }
        value = String(value[value.index(after: value.startIndex)..<end])
        if key == "url" { url = value } else if key == "password_file" { passwordFile = value }
    }
    return (url, passwordFile)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var catalogURL: String?, passwordFile: String?
func take(_ flag: String, from arguments: inout [String]) -> String? {
    guard let i = arguments.firstIndex(of: flag) else { return nil }
    guard i + 1 < arguments.count else { fail("\(flag) needs a value", code: 2) }
    let value = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
    return value
}

if let url = take("--new-database", from: &arguments) {
    let password = readPassword(arguments.first)
    let scratch = try await PostgresBackend.makeScratchDatabase(url: url, password: password)
    print(scratch.url)
    exit(0)
}
catalogURL = take("--catalog", from: &arguments)
passwordFile = take("--password-file", from: &arguments)

guard arguments.count >= 1 else {
    fail("usage: custody-seed [--catalog URL [--password-file FILE]] DATA_DIR [OFFICERS ROWS CLIPS] | DATA_DIR queue N\n"
        + "       custody-seed --new-database URL [PASSWORD_FILE]", code: 2)
}
let folder = try DataFolder(path: arguments[0])
if catalogURL == nil {
    let settings = catalogSettings(configPath: folder.configPath)
    if let url = settings.url, !url.hasPrefix("sqlite:") {
        catalogURL = url
        // password_file is relative to the data folder, as in ConfigFile.catalogPassword.
        passwordFile = settings.passwordFile.map { $0.hasPrefix("/") ? $0 : folder.root.appendingPathComponent($0).path }
    }
}
let catalog: Catalog
if let catalogURL {
    catalog = try await Catalog(postgres: catalogURL, password: readPassword(passwordFile))
} else {
    catalog = try Catalog(path: folder.catalogPath)
}
FileHandle.standardError.write(Data("custody-seed: catalog \(catalog.location)\n".utf8))
let started = Date()
if arguments.count >= 3 && arguments[1] == "queue" {
    let count = Int(arguments[2]) ?? 100_000
    try await BenchmarkSeeder.seedQueue(catalog, count: count)
    print(String(format: "seeded %d queue items in %.1f s", count, Date().timeIntervalSince(started)))
} else {
    var plan = BenchmarkSeeder.Plan()
    if arguments.count >= 4 {
        plan.officers = Int(arguments[1]) ?? plan.officers
        plan.rows = Int(arguments[2]) ?? plan.rows
        plan.clips = Int(arguments[3]) ?? plan.clips
    }
    try await BenchmarkSeeder.seed(catalog, plan: plan) { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    print(String(format: "seeded %d officers, %d calls, %d clips in %.1f s", plan.officers, plan.rows, plan.clips, Date().timeIntervalSince(started)))
}
try await catalog.close()
