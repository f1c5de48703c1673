import CustodyCore
import CustodyIngest
import Testing

/// config.toml's [retention] and [audit] sections (issue 7).
@Suite struct ConfigFileTests {
    @Test func theWrittenTemplateGivesTheDefaults() throws {
        let config = try ConfigFile.parse(ConfigFile.template)
        #expect(config.retention == RetentionPolicy())
        #expect(config.retention.defaultDays == 180)
        #expect(config.audit.fixityCycleDays == 30)
        #expect(config.audit.weeklyReportWeekday == 7)
        #expect(ConfigFile.template.contains("[retention]") && ConfigFile.template.contains("[audit]"))
    }

    @Test func retentionAndAuditSettingsAreRead() throws {
        let config = try ConfigFile.parse("""
            [retention]
            default_days = 365
            permanent_categories = ["刑事案件", "命案"]
            [retention.category_days]
            "交通事故" = 730
            [audit]
            fixity_cycle_days = 7
            weekly_report_day = "Monday"
            """)
        #expect(config.retention.defaultDays == 365)
        #expect(config.retention.permanentCategories == ["刑事案件", "命案"])
        #expect(config.retention.categoryDays == ["交通事故": 730])
        #expect(config.audit.fixityCycleDays == 7)
        #expect(config.audit.weeklyReportWeekday == 1)
    }

    @Test func contentSettingsAreReadAndTheTemplateGivesTheDefaults() throws {
        let config = try ConfigFile.parse("""
            [content]
            obscured_seconds = 20
            frozen_seconds = 15.5
            muted_seconds = 5
            muted_level_db = -50
            prebuffer_grace_seconds = 0
            """)
        #expect(config.policy.content.obscuredSeconds == 20 && config.policy.content.frozenSeconds == 15.5)
        #expect(config.policy.content.mutedSeconds == 5 && config.policy.content.mutedLevelDB == -50)
        #expect(config.policy.content.prebufferGraceSeconds == 0)
        #expect(try ConfigFile.parse(ConfigFile.template).policy.content == ContentPolicy())
        #expect(ConfigFile.template.contains("[content]") && ConfigFile.template.contains("prebuffer_grace_seconds = 30"))
    }

    @Test(arguments: [
        ("[content]\nobscured_seconds = -1", "content.obscured_seconds must be a number of seconds ≥ 0"),
        ("[content]\nmuted_level_db = 6", "content.muted_level_db must be between -120 and 0"),
        ("[content]\nfrozen_seconds = \"ten\"", "content.frozen_seconds must be a number"),
        ("[content]\nmuted_db = -60", "content.muted_db is not a setting"),
    ])
    func aWrongContentValueIsNamed(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test(arguments: [
        ("[retention]\ndefault_days = 0", "retention.default_days must be a whole number ≥ 1"),
        ("[retention]\ndefault_days = \"six months\"", "retention.default_days must be a whole number ≥ 1"),
        ("[retention]\npermanent_categories = \"刑事案件\"", "retention.permanent_categories must be a list"),
        ("[retention]\npermanent_categories = [1]", "retention.permanent_categories must be a list"),
        ("[retention.category_days]\n\"交通事故\" = \"forever\"", "retention.category_days.交通事故 must be a whole number ≥ 1"),
        ("[audit]\nfixity_cycle_days = 0", "audit.fixity_cycle_days must be a whole number ≥ 1"),
        ("[audit]\nweekly_report_day = \"someday\"", "audit.weekly_report_day must be a weekday name"),
    ])
    func aWrongValueIsNamed(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func handlingLimitsAndTheirOverridesAreRead() throws {
        #expect(try ConfigFile.parse(ConfigFile.template).policy.handling == HandlingPolicy())
        let config = try ConfigFile.parse("""
            [handling]
            dispatch_limit_seconds = 120
            not_closed_hours = 12
            [handling.priority."一级"]
            arrival_limit_seconds = 300
            [handling.category."噪音扰民"]
            arrival_limit_seconds = 1800
            no_arrival_hours = 1.5
            """)
        let h = config.policy.handling
        #expect(h.defaults == HandlingLimits(dispatchSeconds: 120, arrivalSeconds: 900, noArrivalSeconds: 7200, notClosedSeconds: 43200))
        #expect(h.byPriority == ["一级": HandlingOverride(arrivalSeconds: 300)])
        #expect(h.byCategory == ["噪音扰民": HandlingOverride(arrivalSeconds: 1800, noArrivalSeconds: 5400)])
    }

    @Test(arguments: [
        ("[handling]\ndispatch_limit_seconds = -1", "handling.dispatch_limit_seconds must be a number ≥ 0"),
        ("[handling]\nnot_closed_hours = \"a day\"", "handling.not_closed_hours must be a number ≥ 0"),
        ("[handling]\narrival_limit = 900", "handling has no setting \"arrival_limit\""),
        ("[handling.priority.\"1\"]\narrival_limit_seconds = \"x\"", "handling.priority.\"1\".arrival_limit_seconds must be a number ≥ 0"),
        ("[handling]\npriority = 3", "handling.priority must be tables"),
        ("[handling.category.\"x\".priority]\nfoo = 1", "handling.category.\"x\" has no setting \"priority\""),
    ])
    func aWrongHandlingValueIsNamed(text: String, message: String) {
        do {
            _ = try ConfigFile.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }
}
