// Package auth hashes passwords (bcrypt) and issues and checks access tokens (HS256 JWTs).
package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "HS256"

// bcrypt reads at most 72 bytes; passwords may have 128 characters, so every password is
// first reduced to a fixed-length SHA-256 digest (base64, 44 bytes) and that is bcrypt-hashed.
func prehash(password string) []byte {
	digest := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(digest[:]))
}

// PasswordCost is bcrypt's work factor for new hashes. The default is there to slow down whoever
// guesses passwords; tests, which check behaviour, may lower it before they hash any.
var PasswordCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash to store; the password itself is never stored.
func HashPassword(password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword(prehash(password), PasswordCost)
	return string(hash), err
}

// Checked against when the email is unknown, so both failures take the same time.
var dummyHash = sync.OnceValue(func() []byte {
	hash, _ := bcrypt.GenerateFromPassword(prehash("not-a-real-password"), PasswordCost)
	return hash
})

// VerifyPassword says whether password matches hash; an empty hash (unknown user) never matches.
func VerifyPassword(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), prehash(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), prehash(password)) == nil
}

// NewAccessToken signs a token for subject (the user id), valid for ttl.
func NewAccessToken(subject, secret string, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := jwt.RegisteredClaims{
		Subject:   subject,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}

// ErrExpired and ErrInvalid are the two ways a token is refused.
var (
	ErrExpired = errors.New("access token expired")
	ErrInvalid = errors.New("access token invalid")
)

// ParseAccessToken returns the token's subject, or ErrExpired / ErrInvalid. Only HS256 is
// accepted (not alg none, nor any other algorithm); sub, iat and exp are required.
func ParseAccessToken(token, secret string) (string, error) {
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{Algorithm}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", ErrExpired
	case err != nil, claims.IssuedAt == nil, claims.Subject == "":
		return "", ErrInvalid
	}
	return claims.Subject, nil
}
