package awscbor

// DecodeReference is the decoder Decode replaced (reference_test.go).
var DecodeReference = decodeReference
