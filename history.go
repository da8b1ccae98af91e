package crm

import (
	"context"
	"encoding/json"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// CustomerHistory is a CustomerStore's optional capability to keep every
// version of each customer record, written in the same write as the
// record: what the customer's timeline shows as changes of the record. A
// deleted customer's history goes with the record (a customer erased is
// erased). A store implements it beside CustomerStore and proves it with
// crmtest.TestCustomerHistory; memory grows with the updates kept.
// Implementations must be safe for concurrent use.
type CustomerHistory interface {
	// CustomerVersions streams every stored version of the customer,
	// oldest first (Version 1, 2, …, the current one last); none for an
	// unknown or deleted customer.
	CustomerVersions(ctx context.Context, id string) iter.Seq2[Customer, error]
}

// Change is one field of a customer record that differs between two
// versions.
type Change struct {
	// Field is the field's JSON path ("email", "preferences.channels",
	// "attributes.shoe_size").
	Field string `json:"field"`
	// From is the old value as JSON text; empty for a field the old
	// version lacks.
	From string `json:"from,omitempty"`
	// To is the new value as JSON text; empty for a field the new
	// version lacks.
	To string `json:"to,omitempty"`
}

// Changes lists the fields that differ from old to new, by path; the
// store's bookkeeping (version, updated_at) is not a change. Demographics,
// preferences and attributes are compared field by field.
func Changes(old, new Customer) []Change {
	a, b := flatFields(old), flatFields(new)
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(union(a, b))) {
		if a[k] != b[k] {
			out = append(out, Change{Field: k, From: a[k], To: b[k]})
		}
	}
	return out
}

func union(a, b map[string]string) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// nested are the record's fields compared one level down.
var nested = map[string]bool{"demographics": true, "preferences": true, "attributes": true}

// flatFields is the record as JSON, one level down for the nested fields,
// each value as JSON text.
func flatFields(c Customer) map[string]string {
	c.UpdatedAt = time.Time{}
	raw, err := json.Marshal(c)
	if err != nil {
		return map[string]string{"": err.Error()}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return map[string]string{"": err.Error()}
	}
	out := map[string]string{}
	for k, v := range top {
		if k == "version" {
			continue
		}
		var inner map[string]json.RawMessage
		if nested[k] && json.Unmarshal(v, &inner) == nil {
			for ik, iv := range inner {
				var typed struct {
					Value json.RawMessage `json:"value"`
				}
				if k == "attributes" && json.Unmarshal(iv, &typed) == nil && typed.Value != nil {
					iv = typed.Value // an attribute as its value, its type aside
				}
				out[k+"."+ik] = string(iv)
			}
			continue
		}
		out[k] = strings.TrimSpace(string(v))
	}
	return out
}
