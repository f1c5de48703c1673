import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// How a command opens the data folder: the one place that decides whether a catalog may be
/// created, and that says "read-only", "disk full", "damaged" or "missing" in words.
enum OpenMode {
    /// Every ordinary command: the folder and a new catalog are created on first use, but a
    /// missing catalog beside stored evidence is refused (never silently rebuilt).
    case write
    /// `verify --read-only`: nothing created, nothing written.
    case readOnly
    /// `recover --from-vault`: a missing catalog is created even though the vault holds files.
    case recover
}

extension DataOptions {
    func open(_ mode: OpenMode) async throws -> Context {
        let path = DataFolder.resolve(data)
        let folder: DataFolder
        do {
            folder = mode == .readOnly ? DataFolder(existing: path) : try DataFolder(path: path)
        } catch {
            throw Self.fail(error, folder: URL(fileURLWithPath: path).standardizedFileURL.path)
        }
        var config: CustodyConfiguration
        do {
            if mode == .readOnly && !FileManager.default.fileExists(atPath: folder.configPath) {
                config = try ConfigFile.parse(ConfigFile.template)
            } else {
                config = try ConfigFile.loadOrCreate(path: folder.configPath)
            }
        } catch {
            Console.error("custody: \(error.description)")
            throw ExitCode(1)
        }
        let folderZone = config.timeZone
        if let tz, let zone = TimeZone(identifier: tz) { config.timeZone = zone }
        let vault: any Vault
        do {
            vault = try ConfigFile.openVault(config.vault, dataFolder: folder.root)
        } catch {
            Console.error("custody: \(error.description)")
            throw ExitCode(1)
        }
        if mode != .readOnly, let bucket = vault as? S3Vault {
            // The first node to use a new bucket makes it; a store that cannot be reached now is
            // said, and each hand-in that needs it fails and is tried again (nothing is lost).
            do { try await bucket.createBucketIfMissing() } catch {
                Console.error("custody: warning: the vault \(vault.location) cannot be reached: \(error.message)")
            }
        }
        let catalog: Catalog
        if let url = config.catalog.url, !url.hasPrefix("sqlite:") {
            // A shared PostgreSQL catalog: created or migrated by whichever node opens it first.
            do {
                let password = try ConfigFile.catalogPassword(config.catalog, dataFolder: folder.root)
                catalog = try await Catalog(postgres: url, password: password)
            } catch let failure as ConfigFile.Failure {
                Console.error("custody: \(failure.description)")
                throw ExitCode(1)
            } catch {
                Console.error("custody: cannot open the catalog: \(error)")
                throw ExitCode(1)
            }
            return Context(folder: folder, catalog: catalog, config: config, vault: vault, folderZone: folderZone)
        }
        do {
            if mode == .readOnly {
                guard folder.hasCatalog else {
                    throw StoreFailure(code: .missing, path: folder.catalogPath, detail: Self.whatIsLeft(folder))
                }
                catalog = try Catalog(readOnlyAt: folder.catalogPath)
            } else {
                if mode == .write, !folder.hasCatalog, let left = Self.evidenceWithoutCatalog(folder) {
                    throw StoreFailure(code: .missing, path: folder.catalogPath, detail: left)
                }
                if mode == .write, !folder.hasCatalog, vault.localFile("vault") == nil,
                   let first = try? await vault.list(prefix: "vault/", after: nil, limit: 1), !first.isEmpty {
                    // A bucket that holds originals already belonged to a catalog: not a new start.
                    throw StoreFailure(code: .missing, path: folder.catalogPath, detail:
                        "the vault \(vault.location) holds stored files that no catalog accounts for")
                }
                catalog = try Catalog(path: folder.catalogPath)
            }
        } catch {
            throw Self.fail(error, folder: URL(fileURLWithPath: path).standardizedFileURL.path)
        }
        return Context(folder: folder, catalog: catalog, config: config, vault: vault, folderZone: folderZone)
    }

    /// What says a data folder held evidence before its catalog went: stored files, chain
    /// anchors written by audits. Nil for a new folder.
    static func evidenceWithoutCatalog(_ folder: DataFolder) -> String? {
        let stored = folder.storedFiles().count
        let anchors = ChainAnchor.load(folder.anchorsFile).anchors.count
        guard stored > 0 || anchors > 0 else { return nil }
        return whatIsLeft(folder)
    }

    static func whatIsLeft(_ folder: DataFolder) -> String {
        let stored = folder.storedFiles().count
        let anchors = ChainAnchor.load(folder.anchorsFile).anchors.count
        var parts = ["the vault holds \(stored) stored file(s) that no catalog accounts for"]
        if anchors > 0 { parts.append("\(anchors) chain anchor(s) in reports/ expect its audit log") }
        return parts.joined(separator: ", ")
    }

    /// Says what went wrong opening the folder and gives the exit status: 2 for a catalog that
    /// is damaged or missing (an integrity failure), 1 otherwise.
    static func fail(_ error: any Error, folder: String) -> ExitCode {
        if let failure = StoreFailure.classify(error, folder: folder) {
            Console.error("custody: \(failure.description)")
            return ExitCode(failure.code == .damaged || failure.code == .missing ? 2 : 1)
        }
        Console.error("custody: cannot open the data folder \(folder): \(error)")
        return ExitCode(1)
    }
}
