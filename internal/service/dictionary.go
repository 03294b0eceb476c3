package service

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tongxin/internal/authz"
	"tongxin/internal/model"
	"tongxin/internal/store"
)

// Dictionaries keeps the 数据字典 (dictionary_items): the system admin adds
// codes, edits their labels and order, deactivates and reactivates them.
// Nothing is ever deleted: rows elsewhere hold the codes, and a deactivated
// code stays valid for them while new forms no longer offer it.
type Dictionaries struct {
	db    *store.DB
	authz *authz.Authorizer
	cache *DictionaryCache
}

// NewDictionaries builds the service. Services are cheap to build per
// request; the item cache (Deps.Dict) belongs to the server and outlives them.
func NewDictionaries(d Deps) *Dictionaries {
	c := d.Dict
	if c == nil {
		c = NewDictionaryCache() // lives as long as this service: no caching across calls
	}
	return &Dictionaries{db: d.DB, authz: d.Authz, cache: c}
}

// NewDictionaryCache makes the cache a server keeps for its database.
func NewDictionaryCache() *DictionaryCache { return &DictionaryCache{} }

// dictCacheTTL bounds how long another instance's change may go unseen;
// changes made through this process drop the cache at once.
const dictCacheTTL = time.Minute

// DictionaryCache holds every dictionary item of one database, in kind, sort
// and code order. Forms read dictionaries on every request; there are a few
// hundred items at most.
type DictionaryCache struct {
	mu     sync.RWMutex
	items  []model.DictionaryItem
	loaded time.Time
	gen    uint64 // bumped by every invalidation, so a load that raced one is not kept
}

func (c *DictionaryCache) invalidate() {
	c.mu.Lock()
	c.items, c.loaded = nil, time.Time{}
	c.gen++
	c.mu.Unlock()
}

func (c *DictionaryCache) all(ctx context.Context, db *store.DB) ([]model.DictionaryItem, error) {
	c.mu.RLock()
	items, loaded, gen := c.items, c.loaded, c.gen
	c.mu.RUnlock()
	if items != nil && time.Since(loaded) < dictCacheTTL {
		return items, nil
	}
	fresh, err := db.DictionaryItems(ctx, "", false)
	if err != nil {
		return nil, err
	}
	if fresh == nil {
		fresh = []model.DictionaryItem{}
	}
	// Rows read inside a transaction may be uncommitted: use them, keep them not.
	if !db.InTx(ctx) {
		c.mu.Lock()
		if c.gen == gen {
			c.items, c.loaded = fresh, time.Now()
		}
		c.mu.Unlock()
	}
	return fresh, nil
}

// KnownDictionaryKind reports a kind of model.DictionaryKinds.
func KnownDictionaryKind(kind string) bool { return slices.Contains(model.DictionaryKinds, kind) }

// Items lists a kind's items in display order; activeOnly leaves out the
// deactivated codes (what a new form offers). It needs no permission: every
// logged-in user fills forms whose selects come from the dictionaries, and
// the codes and labels are not secret; the callers (route guards) have
// already required a login. It reads a per-process cache.
func (s *Dictionaries) Items(ctx context.Context, kind string, activeOnly bool) ([]model.DictionaryItem, error) {
	if !KnownDictionaryKind(kind) {
		return nil, model.NotFound("dictionary", kind)
	}
	all, err := s.cache.all(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]model.DictionaryItem, 0, 16)
	for _, it := range all {
		if it.Kind == kind && (!activeOnly || it.Active) {
			out = append(out, it)
		}
	}
	return out, nil
}

// Labels maps a kind's codes (deactivated ones too, for old rows) to their
// label in the locale ("en" or Chinese).
func (s *Dictionaries) Labels(ctx context.Context, kind, locale string) (map[string]string, error) {
	items, err := s.Items(ctx, kind, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		out[it.Code] = ItemLabel(it, locale)
	}
	return out, nil
}

// ItemLabel is an item's label in a locale, falling back to Chinese.
func ItemLabel(it model.DictionaryItem, locale string) string {
	if strings.HasPrefix(locale, "en") && it.LabelEn != "" {
		return it.LabelEn
	}
	return it.LabelZh
}

// All lists every item of every kind for the admin page, fresh from the
// database.
func (s *Dictionaries) All(ctx context.Context, actor model.Actor) ([]model.DictionaryItem, error) {
	if err := s.authz.Check(actor.UserID, authz.ChainSys(), "dictionary", "read"); err != nil {
		return nil, err
	}
	return s.db.DictionaryItems(ctx, "", false)
}

// Get loads one item of a kind (another kind's id is not found).
func (s *Dictionaries) Get(ctx context.Context, actor model.Actor, kind string, id int64) (*model.DictionaryItem, error) {
	if err := s.authz.Check(actor.UserID, authz.ChainSys(), "dictionary", "read"); err != nil {
		return nil, err
	}
	return s.item(ctx, kind, id)
}

func (s *Dictionaries) item(ctx context.Context, kind string, id int64) (*model.DictionaryItem, error) {
	if !KnownDictionaryKind(kind) {
		return nil, model.NotFound("dictionary", kind)
	}
	it, err := s.db.DictionaryItemByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != kind {
		return nil, model.NotFound("dictionary_item", id)
	}
	return it, nil
}

// DictionaryInput is what the system admin types for an item. Sort is kept
// as typed so that a refused form shows it again.
type DictionaryInput struct {
	Code    string // create only; never changes afterwards
	LabelZh string
	LabelEn string
	Sort    string
	// Version guards an edit (required; ignored on create).
	Version int
}

var dictCodeRe = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// Dictionary field limits.
const (
	DictLabelZhMax = 50
	DictLabelEnMax = 100
	DictSortMax    = 999999
)

func (in *DictionaryInput) validate(creating bool) (int, error) {
	ve := &model.ValidationError{}
	if creating {
		in.Code = strings.TrimSpace(in.Code)
		switch {
		case in.Code == "":
			ve.Add("code", model.MsgRequired)
		case !dictCodeRe.MatchString(in.Code):
			ve.Add("code", "dictionary.bad_code")
		}
	}
	in.LabelZh = model.Text(ve, "label_zh", in.LabelZh, true, DictLabelZhMax, false)
	in.LabelEn = model.Text(ve, "label_en", in.LabelEn, true, DictLabelEnMax, false)
	in.Sort = strings.TrimSpace(in.Sort)
	sort := 0
	if in.Sort != "" {
		n, err := strconv.Atoi(in.Sort)
		if err != nil || n < 0 || n > DictSortMax {
			ve.Add("sort", "dictionary.bad_sort")
		}
		sort = n
	}
	return sort, ve.Err()
}

// Create adds a code to a kind.
func (s *Dictionaries) Create(ctx context.Context, actor model.Actor, kind string, in DictionaryInput) (*model.DictionaryItem, error) {
	if err := s.authz.Check(actor.UserID, authz.ChainSys(), "dictionary", "manage"); err != nil {
		return nil, err
	}
	if !KnownDictionaryKind(kind) {
		return nil, model.NotFound("dictionary", kind)
	}
	sort, err := in.validate(true)
	if err != nil {
		return nil, err
	}
	it := &model.DictionaryItem{Kind: kind, Code: in.Code, LabelZh: in.LabelZh, LabelEn: in.LabelEn, Sort: sort, Active: true}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.CreateDictionaryItem(ctx, it); err != nil {
			return err
		}
		return audit(ctx, s.db, actor, "dictionary.create", "dictionary_item", it.ID, model.DomainSys, map[string]Change{
			"kind": {nil, kind}, "code": {nil, it.Code}, "label_zh": {nil, it.LabelZh}, "label_en": {nil, it.LabelEn}, "sort": {nil, it.Sort},
		})
	})
	s.cache.invalidate()
	if err != nil {
		return nil, err
	}
	return it, nil
}

// Update changes an item's labels and sort position.
func (s *Dictionaries) Update(ctx context.Context, actor model.Actor, kind string, id int64, in DictionaryInput) (*model.DictionaryItem, error) {
	if err := s.authz.Check(actor.UserID, authz.ChainSys(), "dictionary", "manage"); err != nil {
		return nil, err
	}
	sort, err := in.validate(false)
	if err != nil {
		if _, gerr := s.item(ctx, kind, id); gerr != nil {
			return nil, gerr
		}
		return nil, err
	}
	var out *model.DictionaryItem
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.item(ctx, kind, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(in.Version, before.Version); err != nil {
			return err
		}
		if err := s.db.UpdateDictionaryItem(ctx, id, in.Version, in.LabelZh, in.LabelEn, sort); err != nil {
			return err
		}
		if out, err = s.db.DictionaryItemByID(ctx, id); err != nil {
			return err
		}
		changes := diff("label_zh", before.LabelZh, out.LabelZh, "label_en", before.LabelEn, out.LabelEn, "sort", before.Sort, out.Sort)
		if len(changes) == 0 {
			return nil
		}
		return audit(ctx, s.db, actor, "dictionary.update", "dictionary_item", id, model.DomainSys, changes)
	})
	s.cache.invalidate()
	return out, err
}

// SetActive deactivates or reactivates an item.
func (s *Dictionaries) SetActive(ctx context.Context, actor model.Actor, kind string, id int64, version int, active bool) (*model.DictionaryItem, error) {
	if err := s.authz.Check(actor.UserID, authz.ChainSys(), "dictionary", "manage"); err != nil {
		return nil, err
	}
	var out *model.DictionaryItem
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		it, err := s.item(ctx, kind, id)
		if err != nil {
			return err
		}
		if err := model.CheckVersion(version, it.Version); err != nil {
			return err
		}
		out = it
		if it.Active == active {
			return nil
		}
		if err := s.db.SetDictionaryItemActive(ctx, id, version, active); err != nil {
			return err
		}
		out.Active = active
		action := "dictionary.deactivate"
		if active {
			action = "dictionary.activate"
		}
		return audit(ctx, s.db, actor, action, "dictionary_item", id, model.DomainSys, map[string]Change{"active": {!active, active}})
	})
	s.cache.invalidate()
	return out, err
}
