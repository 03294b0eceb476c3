package store_test

import (
	"context"
	"errors"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestAllianceNamesAreUniqueInTheDatabase: the unique index catches what a
// race past the service's check would let through, as a field error.
func TestAllianceNamesAreUniqueInTheDatabase(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mk := func(district int64) error {
			return db.CreateAlliance(ctx, &model.Alliance{Name: "凌云路街道区域化党建联盟", Kind: "regional", Level: model.LevelDistrict, DistrictID: district})
		}
		if err := mk(310104); err != nil {
			t.Fatal(err)
		}
		var ve *model.ValidationError
		if err := mk(310104); !errors.As(err, &ve) || ve.Fields["name"] != "alliance.name_taken" {
			t.Fatalf("second alliance of the same name in a district: %v", err)
		}
		if err := mk(310101); err != nil {
			t.Fatalf("the same name in another district: %v", err)
		}
	})
}
