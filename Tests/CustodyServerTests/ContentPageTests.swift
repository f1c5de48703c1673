import CustodyCore
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 14 on the pages: the incident timeline hatches what the camera saw and shows usable
/// coverage; the clip page charts the profile and lists the stretches; the queue ranks them.
@Suite struct ContentPageTests {
    static func english(_ fx: ServerFixture, _ user: String) -> HTTPFields {
        var h = HostileInput.cookie(fx, user)
        h[.acceptLanguage] = "en-US,en;q=0.9"
        return h
    }

    static func sha(of name: String, in fx: ServerFixture) async throws -> String {
        for e in try await fx.catalog.allEvidence() where try await fx.catalog.receipts(sha256: e.sha256).contains(where: { $0.originalName == name }) {
            return e.sha256
        }
        throw Missing(name: name)
    }

    struct Missing: Error { var name: String }

    @Test func theTimelineHatchesTheCoveredLensAndShowsUsableCoverageInBothLanguages() async throws {
        let fx = try await ServerFixture(analyse: true)
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let en = try await client.execute(uri: "/incidents/110-20240214-0015", method: .get, headers: Self.english(fx, "rita"))
            #expect(en.status == .ok)
            #expect(en.text.contains("class=\"stretch stretch-obscured\""), "the stretch is drawn over the clip")
            #expect(en.text.contains("url(#hatch-obscured)") && en.text.contains("<pattern id=\"hatch-obscured\""))
            #expect(en.text.contains("class=\"legend\">Obscured</text>"))
            #expect(en.text.contains("Coverage 100%") && en.text.contains("usable 75%"))
            #expect(en.text.contains("Lens obscured") && en.text.contains("Play from here"))
            // 180 s into a clip that starts at 10:19:00 local: the button plays from there.
            #expect(en.text.contains("jump('\(try await Self.sha(of: "J0012345_012345_20240214101900_0003.mp4", in: fx))', 180)"))
            let zh = try await client.execute(uri: "/incidents/110-20240214-0015", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "zh"))
            #expect(zh.text.contains("class=\"legend\">遮挡</text>") && zh.text.contains("有效画面 75%") && zh.text.contains("镜头遮挡"))
            // A call whose clips show nothing wrong has no hatching and no legend.
            let clean = try await client.execute(uri: "/incidents/110-20240214-0008", method: .get, headers: Self.english(fx, "rita"))
            #expect(!clean.text.contains("class=\"stretch ") && !clean.text.contains("hatch-"))
            // The muted sound of 0020 and the frozen picture of 0027 are drawn too.
            let muted = try await client.execute(uri: "/incidents/110-20240214-0020", method: .get, headers: Self.english(fx, "rita"))
            #expect(muted.text.contains("stretch-muted") && muted.text.contains("Sound muted"))
            let frozen = try await client.execute(uri: "/incidents/110-20240214-0027", method: .get, headers: Self.english(fx, "rita"))
            #expect(frozen.text.contains("stretch-frozen") && frozen.text.contains("Frozen picture"))
        }
    }

    @Test func theClipPageChartsWhatTheCameraSawAndListsItsStretches() async throws {
        let fx = try await ServerFixture(analyse: true)
        defer { fx.cleanUp() }
        let sha = try await Self.sha(of: "J0012345_012345_20240214101900_0003.mp4", in: fx)
        try await fx.application.test(.router) { client async throws in
            let page = try await client.execute(uri: "/clips/\(sha)", method: .get, headers: Self.english(fx, "rita"))
            #expect(page.status == .ok)
            #expect(page.text.contains("What the camera saw") && page.text.contains("id=\"profile-chart\""))
            #expect(page.text.contains("<polyline class=\"luma\"") && page.text.contains("<polyline class=\"level\""))
            #expect(page.text.contains("<tr class=\"stretch-obscured\"><td><span class=\"badge p2\">Obscured</span></td><td>10:22:00</td><td>10:24:00</td>"))
            #expect(page.text.contains("v.currentTime=180.0"))
            let zh = try await client.execute(uri: "/clips/\(sha)", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "zh"))
            #expect(zh.text.contains("画面与声音") && zh.text.contains("画面亮度") && zh.text.contains("播放此段"))
            // The JSON the page is built from.
            let api = try await client.execute(uri: "/api/clips/\(sha)", method: .get, headers: fx.headers("rita"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(api.text.utf8)) as? [String: Any])
            let content = try #require(object["content"] as? [String: Any])
            #expect(content["state"] as? String == "done")
            let stretches = try #require(content["stretches"] as? [[String: Any]])
            #expect(stretches.count == 1 && stretches[0]["kind"] as? String == "obscured" && stretches[0]["start"] as? Double == 180)
            #expect((content["luma"] as? [Any])?.count == 1320 && (content["level"] as? [Any])?.count == 1320)
            // A clip with nothing wrong says so.
            let plain = try await Self.sha(of: "J0012345_012345_20240214084900_0001.mp4", in: fx)
            let ok = try await client.execute(uri: "/clips/\(plain)", method: .get, headers: Self.english(fx, "rita"))
            #expect(ok.text.contains("id=\"no-stretches\"") && ok.text.contains("Nothing obscured, frozen or muted."))
        }
    }

    @Test func aClipNotYetAnalysedSaysSoAndTheQueueRanksTheNewKinds() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let sha = try await Self.sha(of: "J0012345_012345_20240214101900_0003.mp4", in: fx)
        try await fx.application.test(.router) { client async throws in
            let page = try await client.execute(uri: "/clips/\(sha)", method: .get, headers: Self.english(fx, "rita"))
            #expect(page.text.contains("id=\"analysis-state\"") && page.text.contains("Not analysed yet"))
            #expect(!page.text.contains("id=\"profile-chart\""))
        }
        let analysed = try await ServerFixture(analyse: true)
        defer { analysed.cleanUp() }
        try await analysed.application.test(.router) { client async throws in
            let queue = try await client.execute(uri: "/queue?reason=obscured_video", method: .get, headers: Self.english(analysed, "rita"))
            #expect(queue.status == .ok && queue.text.contains("110-20240214-0015") && queue.text.contains("Lens obscured"))
            let api = try await client.execute(uri: "/api/queue?reason=muted_audio", method: .get, headers: analysed.headers("rita"))
            #expect(api.text.contains("110-20240214-0020") && !api.text.contains("110-20240214-0015"))
        }
    }
}
