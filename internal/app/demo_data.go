package app

import (
	"fmt"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// xuhui is 徐汇区, where the demonstration alliance lives.
const xuhui = 310104

// demoStreets are the streets of 徐汇区.
var demoStreets = []string{"湖南路街道", "天平路街道", "枫林路街道", "徐家汇街道", "斜土路街道", "长桥街道", "田林街道",
	"虹梅路街道", "康健新村街道", "龙华街道", "漕河泾街道", "凌云路街道", "华泾镇"}

// lingyun is the index of 凌云路街道 in demoStreets.
const lingyun = 11

// demoUnits are the member units of the demonstration alliance: name, kind.
var demoUnits = [][2]string{
	{"徐汇区凌云路街道办事处", "gov"},
	{"上海市第八人民医院", "hospital"},
	{"徐汇区凌云街道社区卫生服务中心", "hospital"},
	{"上海市南洋模范中学", "school"},
	{"华东理工大学", "school"},
	{"上海市徐汇区长桥中学", "school"},
	{"上海华谊（集团）公司", "soe"},
	{"上海徐汇滨江开发投资建设有限公司", "soe"},
	{"中国建设银行上海徐汇支行", "soe"},
	{"上海漕河泾开发区经济技术发展有限公司", "soe"},
	{"上海凌云物业管理有限公司", "private"},
	{"上海梅陇科技园发展有限公司", "private"},
	{"上海梅陇商业广场有限公司", "private"},
	{"凌云路街道梅陇三村居民区党总支", "residents"},
	{"凌云路街道梅陇六村居民区党总支", "residents"},
	{"凌云路街道华理苑居民区党支部", "residents"},
	{"上海市徐汇区社会组织服务中心", "social_org"},
	{"上海凌云社区志愿者协会", "social_org"},
	{"上海市徐汇区图书馆", "institution"},
	{"上海市徐汇区文化馆", "institution"},
}

// demoCreditCode makes a valid unified social credit code for the i-th demo unit.
func demoCreditCode(i int, kind string) *string {
	if kind == "residents" {
		return nil // a residents' party branch has no code of its own
	}
	head := "91"
	switch kind {
	case "gov":
		head = "11"
	case "school", "hospital", "institution":
		head = "12"
	case "social_org":
		head = "52"
	}
	first17 := fmt.Sprintf("%s%d%s%02d", head, xuhui, "MA1GT5K", i)
	code := first17 + string(model.CreditCodeCheckChar(first17))
	return &code
}

func demoOrganisations() store.DemoOrganisations {
	d := store.DemoOrganisations{DistrictID: xuhui}
	for i, name := range demoStreets {
		d.Streets = append(d.Streets, model.Street{Code: fmt.Sprintf("%d%03d", xuhui, i+1), Name: name})
	}
	for i := 1; i <= 3; i++ {
		d.Grids = append(d.Grids, model.Grid{StreetID: lingyun, Code: fmt.Sprintf("%d%03d%02d", xuhui, lingyun+1, i), Name: fmt.Sprintf("凌云路街道第%s网格", []string{"一", "二", "三"}[i-1])})
	}
	street := int64(lingyun)
	for i, u := range demoUnits {
		d.Units = append(d.Units, model.Unit{Name: u[0], Kind: u[1], CreditCode: demoCreditCode(i, u[1]), StreetID: &street,
			Address: fmt.Sprintf("上海市徐汇区梅陇路%d号", 100+i*7), PartyOrg: u[0] + "党组织", PartyMembers: 12 + i*9,
			ContactName: []string{"王敏", "李强", "张静", "刘洋", "陈晨"}[i%5], ContactPhone: demoContactPhone(i)})
	}
	grid0, manager := int64(0), int64(0)
	d.Sites = []model.ServiceSite{
		{Name: "凌云路街道社区党群服务中心", Kind: "community_center", StreetID: lingyun, GridID: &grid0, Address: "上海市徐汇区梅陇路333号",
			OpeningHours: "周一至周日 9:00–20:00", Facilities: "多功能厅、党员活动室、图书室", Seats: 120, ManagingUnitID: &manager},
		{Name: "梅陇三村居民区党群服务站", Kind: "neighbourhood", StreetID: lingyun, Address: "上海市徐汇区梅陇三村58号",
			OpeningHours: "周一至周五 8:30–17:00", Facilities: "议事厅、为老服务点", Seats: 30},
		{Name: "徐汇滨江党群服务站", Kind: "riverside_post", StreetID: 9, Address: "上海市徐汇区龙腾大道2555号",
			OpeningHours: "周一至周日 10:00–18:00", Facilities: "休憩区、饮水点、应急药箱", Seats: 20},
	}
	founded := time.Date(2018, 6, 28, 0, 0, 0, 0, time.UTC)
	d.Alliance = model.Alliance{Name: "凌云路街道区域化党建联盟", Kind: "regional", Level: model.LevelStreet, StreetID: &street, FoundedOn: &founded,
		Description: "以凌云路街道社区党委为核心，联合辖区机关、企事业单位、学校、医院和居民区党组织，共商共建共享。"}
	d.Council = []int{0, 1, 4, 6, 7}
	d.Committees = []store.DemoCommittee{
		{Name: "基层党建专委会", Theme: "基层党建", Convenor: 0, Members: []int{0, 13, 14, 15, 16}},
		{Name: "文化体育专委会", Theme: "文化体育", Convenor: 1, Members: []int{1, 3, 4, 18, 19, 17}}, // the demo unit contact (unit 1) convenes it
	}
	return d
}
