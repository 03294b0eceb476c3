package importer

// KindResources is the import of resources (资源清单) into an alliance.
const KindResources = "resources"

// Resources is the template of resources; the fields are those of
// service.ResourceInput (the resource form's).
var Resources = Spec{
	Kind:  KindResources,
	Title: "资源清单",
	Columns: []Column{
		{Header: "资源名称", Field: "title", Required: true, Width: 30, Example: "党群服务中心多功能会议室", HelpKey: "import.col.resources.title"},
		{Header: "提供单位", Field: "provider_unit_id", Required: true, Width: 30, Example: "徐汇区凌云路街道办事处", HelpKey: "import.col.resources.unit"},
		{Header: "资源类型", Field: "kind", Required: true, Width: 12, Example: "场地", HelpKey: "import.col.resources.kind"},
		{Header: "可提供数量", Field: "capacity", Required: true, Width: 10, Example: "24", HelpKey: "import.col.resources.capacity"},
		{Header: "计量单位", Field: "measure", Required: true, Width: 10, Example: "场", HelpKey: "import.col.resources.measure"},
		{Header: "适用需求类别", Field: "category", Width: 14, Example: "党群阵地建设", HelpKey: "import.col.resources.category"},
		{Header: "党群服务阵地", Field: "service_site_id", Width: 28, Example: "凌云路街道社区党群服务中心", HelpKey: "import.col.resources.site"},
		{Header: "所属街镇", Field: "street_id", Width: 14, Example: "凌云路街道", HelpKey: "import.col.resources.street"},
		{Header: "可用开始日期", Field: "available_from", Width: 14, Example: "2026-01-01", HelpKey: "import.col.resources.available_from"},
		{Header: "可用截止日期", Field: "available_until", Width: 14, Example: "2026-12-31", HelpKey: "import.col.resources.available_until"},
		{Header: "可见范围", Field: "visibility", Width: 10, Example: "本区", HelpKey: "import.col.resources.visibility"},
		{Header: "资源描述", Field: "description", Width: 40, Example: "可容纳 120 人，配备投影和音响。", HelpKey: "import.col.resources.description"},
	},
}

func init() { Specs[KindResources] = Resources }
