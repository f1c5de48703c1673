public import ArgumentParser

/// The `custody` executable's root command (SPEC §1).
public struct CustodyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "custody",
        abstract: "Body-camera evidence index: probe, store, link and review footage.",
        version: "0.1.0",
        subcommands: [Probe.self, Analyze.self, Ingest.self, Watch.self, Dispatch.self, Devices.self, LinkCommand.self, Gaps.self, Audit.self, HoldCommand.self, Verify.self, Recover.self, Serve.self, UserCommand.self, TokenCommand.self, Demo.self, CatalogCommand.self, VaultCommand.self, AxisCommand.self, ExportCommand.self]
    )

    public init() {}
}

/// Entry point for the executable, so that it needs no imports of its own.
public enum CustodyMain {
    public static func run() async {
        await CustodyCommand.main()
    }
}
