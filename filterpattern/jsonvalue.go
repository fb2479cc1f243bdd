package filterpattern

// jkind is the kind of JSON value a slot holds.
type jkind uint8

const (
	kMissing jkind = iota // the selector names nothing in this event
	kString
	kNumber
	kTrue
	kFalse
	kNull
	kObject
	kArray
)

// jvalue is what one event holds at one selector: its kind and, for
// strings and numbers, where its text lies in the event — between the
// quotes and still escaped when esc is set for a string, as written for a
// number. Offsets rather than substrings keep pointers out of the slots,
// which lets a caller's slot array stay on its stack.
type jvalue struct {
	start, end int
	kind       jkind
	esc        bool
}

// text returns the value as comparisons see it: a string unescaped, a
// number as written, a boolean as true or false. ok is false for
// anything else. msg is the event the value was found in.
func (v *jvalue) text(msg string) (string, bool) {
	switch v.kind {
	case kString:
		if v.esc {
			return unescapeJSON(msg[v.start:v.end]), true
		}
		return msg[v.start:v.end], true
	case kNumber:
		return msg[v.start:v.end], true
	case kTrue:
		return "true", true
	case kFalse:
		return "false", true
	}
	return "", false
}

// trieNode is one step of the selectors of a pattern: the members and
// elements below it that some selector goes through, and the slot of the
// selector that ends here, if any.
type trieNode struct {
	keys  []keyChild
	elems []elemChild
	slot  int   // -1 when no selector ends here
	slots []int // every slot at or below this node
}

type keyChild struct {
	name string
	node *trieNode
}

type elemChild struct {
	index int
	node  *trieNode
}

func newTrieNode() *trieNode { return &trieNode{slot: -1} }

// add records the selector steps, ending in slot.
func (n *trieNode) add(steps []step, slot int) {
	n.slots = append(n.slots, slot)
	if len(steps) == 0 {
		n.slot = slot
		return
	}
	s := steps[0]
	var next *trieNode
	if s.index < 0 {
		for _, c := range n.keys {
			if c.name == s.key {
				next = c.node
			}
		}
		if next == nil {
			next = newTrieNode()
			n.keys = append(n.keys, keyChild{s.key, next})
		}
	} else {
		for _, c := range n.elems {
			if c.index == s.index {
				next = c.node
			}
		}
		if next == nil {
			next = newTrieNode()
			n.elems = append(n.elems, elemChild{s.index, next})
		}
	}
	next.add(steps[1:], slot)
}

// key returns the child for a member name as the event spells it.
func (n *trieNode) key(raw string, esc bool) *trieNode {
	if len(n.keys) == 0 {
		return nil
	}
	name := raw
	if esc {
		name = unescapeJSON(raw)
	}
	for _, c := range n.keys {
		if c.name == name {
			return c.node
		}
	}
	return nil
}

func (n *trieNode) elem(i int) *trieNode {
	for _, c := range n.elems {
		if c.index == i {
			return c.node
		}
	}
	return nil
}
