package app

import (
	"context"
	"fmt"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The demonstration alliance's needs (需求清单) and resources (资源清单), in
// varied statuses and visibilities. Dates follow the day of seeding. Claims
// on them are seeded by the claims area. Written once: a second run, or a
// run on an alliance that has needs already, changes nothing.

// demoNeed is one demo need; unit indexes demoUnits.
type demoNeed struct {
	unit                    int
	title, desc, category   string
	kind                    string
	quantity                int64
	measure                 string
	beneficiaries           int
	wantedInDays            int // 0: no date; negative: in the past
	visibility, status, why string
	grid                    bool
}

var demoNeeds = []demoNeed{
	{13, "梅陇三村加装电梯协调", "梅陇三村 12 号、15 号楼居民有加装电梯意愿，需要专业力量协助开展意见征询、方案论证和施工协调。", "housing_renewal", "expertise", 6, "sessions", 180, 90, model.VisibleAlliance, model.NeedPublished, "", true},
	{14, "垃圾分类宣传进小区", "梅陇六村开展垃圾分类“定时定点”宣传，周末早晚高峰需要志愿者值守指导。", "environment", "volunteers", 40, "person_times", 1200, 45, model.VisibleDistrict, model.NeedPublished, "", true},
	{1, "老年助餐送餐服务", "社区独居、高龄老人助餐需求增加，需要爱心单位协助送餐上门和营养咨询。", "care", "volunteers", 60, "person_times", 85, 120, model.VisibleAlliance, model.NeedPublished, "", false},
	{10, "错峰停车共享车位", "老旧小区夜间停车难，希望周边单位开放夜间错峰停车位。", "traffic", "venue", 30, "items", 300, 60, model.VisibleCity, model.NeedPublished, "", false},
	{15, "青少年暑期托管班", "双职工家庭子女暑期看护需求，需要场地、志愿者和课程支持。", "youth", "training", 8, "sessions", 60, 30, model.VisibleDistrict, model.NeedPublished, "", true},
	{0, "居民法律咨询服务", "居民在物业纠纷、继承等方面的法律咨询需求，希望每月开展一次公益咨询。", "rule_of_law", "expertise", 12, "sessions", 240, 180, model.VisibleAlliance, model.NeedPublished, "", false},
	{2, "社区健康义诊", "社区卫生服务中心计划开展慢病筛查义诊，需要医护志愿者支持。", "health", "volunteers", 20, "person_times", 400, 75, model.VisibleCity, model.NeedDraft, "", false},
	{16, "社会组织能力培训", "辖区社会组织负责人希望开展项目管理与财务规范培训。", "employment", "training", 4, "sessions", 50, 100, model.VisibleAlliance, model.NeedDraft, "", false},
	{13, "楼道微更新改造", "梅陇三村部分楼道墙面破损，希望开展楼道微更新。", "housing_renewal", "funds", 50000, "yuan", 320, -20, model.VisibleAlliance, model.NeedExpired, "", true},
	{19, "社区文化节演出支持", "社区文化节需要演出场地和专业指导。", "culture_sports", "venue", 3, "sessions", 500, 40, model.VisibleAlliance, model.NeedClosed, "文化节改为线上举办，场地需求取消", false},
	{18, "红色阅读推广活动", "面向青少年开展红色经典阅读推广，需要图书和讲师支持。", "publicity", "goods", 200, "items", 300, 150, model.VisibleDistrict, model.NeedPublished, "", false},
	{1, "平安巡逻志愿服务", "重要节假日期间需要志愿者参与社区平安巡逻。", "safety", "volunteers", 80, "person_times", 0, 20, model.VisibleAlliance, model.NeedPublished, "", false},
}

// demoResource is one demo resource.
type demoResource struct {
	unit                        int
	title, desc, kind, category string
	capacity                    int64
	measure                     string
	fromDays, untilDays         int // relative to today; untilDays 0: no end
	visibility, status, why     string
	venue                       bool
}

var demoResources = []demoResource{
	{0, "党群服务中心多功能会议室", "可容纳 120 人，配备投影和音响，工作日晚间及周末可预约。", "venue", "venues", 24, "sessions", -30, 180, model.VisibleAlliance, model.ResourceAvailable, "", true},
	{17, "社区志愿者服务队", "凌云社区志愿者协会常备志愿者 60 余名，可承担宣传、值守、陪伴等服务。", "volunteers", "care", 200, "person_times", 0, 0, model.VisibleDistrict, model.ResourceAvailable, "", false},
	{8, "党建共建专项资金", "建设银行徐汇支行年度党建共建专项资金，用于联盟立项项目。", "funds", "", 200000, "yuan", 0, 300, model.VisibleAlliance, model.ResourceAvailable, "", false},
	{1, "法律咨询与健康讲座", "第八人民医院党员专家与合作律所提供公益讲座与咨询。", "expertise", "rule_of_law", 12, "sessions", 0, 240, model.VisibleCity, model.ResourceAvailable, "", false},
	{4, "大学生暑期志愿服务", "华东理工大学学生暑期社会实践团队，可承担托管、辅导。", "volunteers", "youth", 30, "people", 10, 90, model.VisibleDistrict, model.ResourceAvailable, "", false},
	{12, "商业广场夜间停车位", "梅陇商业广场夜间 20:00 至次日 7:00 开放错峰停车位。", "goods", "traffic", 50, "items", 0, 365, model.VisibleAlliance, model.ResourceAvailable, "", false},
	{6, "安全生产培训课程", "华谊集团安全管理团队提供安全生产与消防培训。", "training", "safety", 6, "sessions", 0, 200, model.VisibleAlliance, model.ResourceDraft, "", false},
	{18, "图书捐赠", "徐汇区图书馆可捐赠红色经典图书。", "goods", "publicity", 300, "items", -60, 120, model.VisibleDistrict, model.ResourceAvailable, "", false},
	{7, "滨江驿站活动场地", "徐汇滨江党群服务站休憩区可承办小型活动。", "venue", "culture_sports", 10, "sessions", -90, -5, model.VisibleAlliance, model.ResourceExpired, "", true},
	{11, "科技园创业辅导", "梅陇科技园为青年创业者提供导师辅导。", "expertise", "employment", 20, "hours", -30, 200, model.VisibleAlliance, model.ResourceWithdrawn, "导师团队调整，暂停提供", false},
}

// seedDemoLists writes the demo needs and resources of the alliance unless
// it has needs already.
func seedDemoLists(ctx context.Context, db *store.DB, allianceID int64, unitIDs []int64) error {
	done, err := db.DemoNeedsSeeded(ctx, allianceID)
	if err != nil || done {
		return err
	}
	if len(unitIDs) < len(demoUnits) {
		return fmt.Errorf("demo lists: %d units, want %d", len(unitIDs), len(demoUnits))
	}
	unit, err := db.UnitByID(ctx, unitIDs[0])
	if err != nil {
		return err
	}
	street := unit.StreetID
	var grid *int64
	if street != nil {
		grids, err := db.GridOptions(ctx, nil, *street, true, 1)
		if err != nil {
			return err
		}
		if len(grids) > 0 {
			grid = &grids[0].ID
		}
	}
	sites, err := db.ListSiteOptions(ctx, []int64{unit.DistrictID}, 10)
	if err != nil {
		return err
	}
	now := db.Now()
	today := service.AllianceToday(now) // the day in Asia/Shanghai, as the pages count it
	day := func(n int) *time.Time {
		if n == 0 {
			return nil
		}
		d := today.AddDate(0, 0, n)
		return &d
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		for _, d := range demoNeeds {
			n := &model.Need{AllianceID: allianceID, DistrictID: unit.DistrictID, SubmitterUnitID: unitIDs[d.unit], Title: d.title,
				Description: d.desc, Category: d.category, ResourceKind: d.kind, StreetID: street, Quantity: d.quantity, Measure: d.measure,
				Beneficiaries: d.beneficiaries, WantedBy: day(d.wantedInDays), Visibility: d.visibility, Status: d.status, CloseReason: d.why}
			if d.grid {
				n.GridID = grid
			}
			if d.status != model.NeedDraft {
				p := now.AddDate(0, 0, -7)
				n.PublishedAt = &p
			}
			if err := db.CreateNeed(ctx, n); err != nil {
				return fmt.Errorf("demo need %s: %w", d.title, err)
			}
		}
		for i, d := range demoResources {
			r := &model.Resource{AllianceID: allianceID, DistrictID: unit.DistrictID, ProviderUnitID: unitIDs[d.unit], Title: d.title,
				Description: d.desc, Kind: d.kind, Category: d.category, StreetID: street, Capacity: d.capacity, Measure: d.measure,
				AvailableFrom: day(d.fromDays), AvailableUntil: day(d.untilDays), Visibility: d.visibility, Status: d.status, WithdrawReason: d.why}
			if d.venue && len(sites) > 0 {
				site := sites[i%len(sites)]
				r.ServiceSiteID, r.StreetID = &site.ID, &site.StreetID
			}
			if d.status != model.ResourceDraft {
				p := now.AddDate(0, 0, -7)
				r.PublishedAt = &p
			}
			if err := db.CreateResource(ctx, r); err != nil {
				return fmt.Errorf("demo resource %s: %w", d.title, err)
			}
		}
		return nil
	})
}
