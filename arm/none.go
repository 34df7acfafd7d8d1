package arm

// None trains on the overseer's proxy reward alone: the premise check —
// with no penalty, does lying emerge, and do the probes drift anyway?
type None struct{}

// Name implements train.Arm.
func (None) Name() string { return string(KindNone) }
