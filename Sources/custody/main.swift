import CustodyCLI

await CustodyMain.run()
