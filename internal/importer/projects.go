package importer

// KindProjects is the import of projects (项目清单) into an alliance.
const KindProjects = "projects"

// Projects is the template of projects. The fields are those of
// service.ProjectInput (the project form's); the lead unit and the category
// are named as people write them. A row enters as a draft; 按已立项导入 = 是
// brings a past year's project in as approved (立项), which only a district
// reviewer may do (the service checks each row).
var Projects = Spec{
	Kind:  KindProjects,
	Title: "项目清单",
	Columns: []Column{
		{Header: "项目名称", Field: "title", Required: true, Width: 30, Example: "化工一村 148 号楼加装电梯", HelpKey: "import.col.projects.title"},
		{Header: "牵头单位", Field: "lead_unit_id", Required: true, Width: 30, Example: "徐汇区凌云路街道办事处", HelpKey: "import.col.projects.lead"},
		{Header: "项目类别", Field: "category", Required: true, Width: 14, Example: "楼院更新", HelpKey: "import.col.projects.category"},
		{Header: "年度", Field: "year", Required: true, Width: 8, Example: "2026", HelpKey: "import.col.projects.year"},
		{Header: "开始日期", Field: "starts_on", Width: 14, Example: "2026-03-01", HelpKey: "import.col.projects.starts_on"},
		{Header: "结束日期", Field: "ends_on", Width: 14, Example: "2026-12-31", HelpKey: "import.col.projects.ends_on"},
		{Header: "预算（元）", Field: "budget_fen", Width: 14, Example: "860000.00", HelpKey: "import.col.projects.budget"},
		{Header: "目标受益人次", Field: "target_beneficiaries", Width: 12, Example: "36", HelpKey: "import.col.projects.target"},
		{Header: "项目简介", Field: "summary", Width: 40, Example: "为 148 号楼加装电梯一部，解决老人上下楼难题。", HelpKey: "import.col.projects.summary"},
		{Header: "按已立项导入", Field: "historical", Width: 12, Example: "否", HelpKey: "import.col.projects.historical"},
	},
}

func init() { Specs[KindProjects] = Projects }
