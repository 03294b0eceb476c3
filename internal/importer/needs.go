package importer

// KindNeeds is the import of needs (需求清单) into an alliance.
const KindNeeds = "needs"

// Needs is the template of needs. The fields are those of service.NeedInput
// (the need form's), so that an imported row obeys the form's rules; the
// submitter unit, the dictionaries, the street and the visibility are named
// as people write them (names, labels) and resolved by the import.
var Needs = Spec{
	Kind:  KindNeeds,
	Title: "需求清单",
	Columns: []Column{
		{Header: "需求名称", Field: "title", Required: true, Width: 30, Example: "梅陇三村加装电梯协调", HelpKey: "import.col.needs.title"},
		{Header: "提出单位", Field: "submitter_unit_id", Required: true, Width: 30, Example: "凌云路街道梅陇三村居民区党总支", HelpKey: "import.col.needs.unit"},
		{Header: "需求类别", Field: "category", Required: true, Width: 14, Example: "楼院更新", HelpKey: "import.col.needs.category"},
		{Header: "需求数量", Field: "quantity", Required: true, Width: 10, Example: "6", HelpKey: "import.col.needs.quantity"},
		{Header: "计量单位", Field: "measure", Required: true, Width: 10, Example: "场", HelpKey: "import.col.needs.measure"},
		{Header: "所需资源类型", Field: "resource_kind", Width: 12, Example: "专业服务", HelpKey: "import.col.needs.resource_kind"},
		{Header: "所属街镇", Field: "street_id", Width: 14, Example: "凌云路街道", HelpKey: "import.col.needs.street"},
		{Header: "预计受益人次", Field: "beneficiaries", Width: 12, Example: "180", HelpKey: "import.col.needs.beneficiaries"},
		{Header: "期望完成日期", Field: "wanted_by", Width: 14, Example: "2026-12-31", HelpKey: "import.col.needs.wanted_by"},
		{Header: "可见范围", Field: "visibility", Width: 10, Example: "本联盟", HelpKey: "import.col.needs.visibility"},
		{Header: "需求描述", Field: "description", Width: 40, Example: "12 号楼居民有加装电梯意愿，需要协助开展意见征询。", HelpKey: "import.col.needs.description"},
	},
}

func init() { Specs[KindNeeds] = Needs }
