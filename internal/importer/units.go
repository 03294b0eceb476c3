package importer

import "tongxin/internal/model"

// KindUnits is the import of member units (成员单位).
const KindUnits = "units"

// exampleCreditCode is a valid code for the template's example row.
var exampleCreditCode = func() string {
	const first17 = "91310104MA1FL0A0X"
	return first17 + string(model.CreditCodeCheckChar(first17))
}()

// Units is the template of member units. The fields are those of
// service.UnitInput (the unit form's), so that an imported row obeys exactly
// the form's rules.
var Units = Spec{
	Kind:  KindUnits,
	Title: "成员单位",
	Columns: []Column{
		{Header: "单位名称", Field: "name", Required: true, Width: 36, Example: "上海同心示例科技有限公司", HelpKey: "import.col.units.name"},
		{Header: "统一社会信用代码", Field: "credit_code", Width: 22, Example: exampleCreditCode, HelpKey: "import.col.units.credit_code"},
		{Header: "单位类型", Field: "kind", Required: true, Width: 14, Example: "非公企业", HelpKey: "import.col.units.kind"},
		{Header: "所属街镇", Field: "street_id", Width: 14, Example: "湖南路街道", HelpKey: "import.col.units.street"},
		{Header: "地址", Field: "address", Width: 36, Example: "上海市徐汇区示例路 100 号", HelpKey: "import.col.units.address"},
		{Header: "党组织名称", Field: "party_org", Width: 32, Example: "中共上海同心示例科技有限公司支部委员会", HelpKey: "import.col.units.party_org"},
		{Header: "党员人数", Field: "party_members", Width: 10, Example: "12", HelpKey: "import.col.units.party_members"},
		{Header: "联系人", Field: "contact_name", Width: 12, Example: "张敏", HelpKey: "import.col.units.contact_name"},
		{Header: "联系电话", Field: "contact_phone", Width: 16, Example: "13812345678", HelpKey: "import.col.units.contact_phone"},
	},
}

// Specs are the kinds an import knows, by code.
var Specs = map[string]Spec{KindUnits: Units}
