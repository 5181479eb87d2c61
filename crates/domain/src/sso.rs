//! Single sign-on with the agencies' own identity providers (OpenID Connect): what a
//! partnership sets up for each provider, which sign-ins a provider may vouch for, when its
//! word on a second factor counts, and the reasons a sign-in is refused, in words for the
//! person refused and for the audit trail.

/// How long a person has between leaving for their provider and coming back.
pub const SIGN_IN_MINUTES: i64 = 10;

/// What the business team enters for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Shown on the button: "Sign in with Northbrook Council".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Empty when editing keeps the secret already held.
    pub client_secret: String,
    pub email_domains: Vec<String>,
    pub trust_second_factor: bool,
}

/// The provider form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderForm<'a> {
    pub name: &'a str,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub email_domains: &'a str,
    pub trust_second_factor: bool,
}

/// Checks the provider form. `allow_http` admits an issuer on this computer over plain HTTP
/// (only where Learnloop itself is served over plain HTTP: development and tests).
/// `secret_needed` is false when editing a provider whose secret is kept.
pub fn check_provider(
    f: &ProviderForm<'_>,
    allow_http: bool,
    secret_needed: bool,
) -> Result<Provider, Vec<(&'static str, String)>> {
    let trust_second_factor = f.trust_second_factor;
    let mut errors = Vec::new();
    let name = f.name.trim();
    if name.is_empty() {
        errors.push((
            "name",
            "Enter the organisation's name, as it shows on its button".to_owned(),
        ));
    } else if name.chars().count() > 80 {
        errors.push(("name", "The name must be 80 characters or fewer".to_owned()));
    }
    let issuer = match check_issuer(f.issuer, allow_http) {
        Ok(i) => i,
        Err(e) => {
            errors.push(("issuer", e));
            String::new()
        }
    };
    let client_id = f.client_id.trim();
    if client_id.is_empty() {
        errors.push((
            "client_id",
            "Enter the client ID the provider gave Learnloop".to_owned(),
        ));
    } else if client_id.chars().count() > 200 || client_id.chars().any(char::is_control) {
        errors.push((
            "client_id",
            "The client ID must be one line of 200 characters or fewer".to_owned(),
        ));
    }
    let client_secret = f.client_secret.trim();
    if client_secret.is_empty() && secret_needed {
        errors.push((
            "client_secret",
            "Enter the client secret the provider gave Learnloop".to_owned(),
        ));
    } else if client_secret.chars().count() > 500 || client_secret.chars().any(char::is_control) {
        errors.push((
            "client_secret",
            "The client secret must be one line of 500 characters or fewer".to_owned(),
        ));
    }
    let email_domains = match parse_domains(f.email_domains) {
        Ok(d) => d,
        Err(e) => {
            errors.push(("email_domains", e));
            Vec::new()
        }
    };
    if errors.is_empty() {
        Ok(Provider {
            name: name.to_owned(),
            issuer,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            email_domains,
            trust_second_factor,
        })
    } else {
        Err(errors)
    }
}

/// The issuer's address as the provider names itself: `https://` (or, where allowed,
/// `http://` on this computer), no query or fragment.
pub fn check_issuer(text: &str, allow_http: bool) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "Enter the issuer: the address the provider gives as its own, such as https://login.microsoftonline.com/…/v2.0"
                .to_owned(),
        );
    }
    let bad = || {
        "Enter the issuer as a full address starting with https://, such as https://login.microsoftonline.com/…/v2.0".to_owned()
    };
    let Ok(url) = url::Url::parse(t) else {
        return Err(bad());
    };
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http" && loopback);
    if !scheme_ok || url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(bad());
    }
    // In service, a provider is a public name: never an address given as a number or this
    // computer, which would let a settings form reach the server's own network.
    if !allow_http
        && matches!(
            url.host(),
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) | Some(url::Host::Domain("localhost"))
        )
    {
        return Err("Enter the provider's public address, by its name (such as login.microsoftonline.com), not a number".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(
            "The issuer is an address without ?, # or a user name in it: copy it from the provider's discovery document"
                .to_owned(),
        );
    }
    if t.chars().count() > 300 {
        return Err("The issuer must be 300 characters or fewer".to_owned());
    }
    Ok(t.to_owned())
}

/// The email domains a provider vouches for, from a list separated by commas, spaces or
/// lines ("northbrook.gov.uk, nhs.net"); lower-cased, without repeats.
pub fn parse_domains(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let d = raw.trim().trim_start_matches('@').to_lowercase();
        if d.is_empty() {
            continue;
        }
        let labels_ok = d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !labels_ok || !d.contains('.') || d.len() > 253 {
            return Err(format!(
                "“{}” is not an email domain: enter domains such as northbrook.gov.uk, separated by commas",
                raw.trim()
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err(
            "Enter the email domains this provider vouches for, such as northbrook.gov.uk"
                .to_owned(),
        );
    }
    if out.len() > 50 {
        return Err("Enter 50 email domains or fewer".to_owned());
    }
    Ok(out)
}

/// The domain of an email address, lower-cased ("" for a string without "@").
pub fn domain_of(email: &str) -> String {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default()
}

/// Whether a provider vouching for these domains may sign this address in: its domain must
/// be one of them exactly (a subdomain is another organisation's until it is listed).
pub fn vouches_for(domains: &[String], email: &str) -> bool {
    // Only plain ASCII addresses: lower-casing can fold another character into an ASCII
    // letter (the Kelvin sign into "k"), making one address read as another's.
    if !email.is_ascii() {
        return false;
    }
    let d = domain_of(email);
    !d.is_empty() && domains.contains(&d)
}

/// Whether the methods a provider says it used (the ID token's `amr`, RFC 8176) amount to a
/// second factor: it says "mfa", or names methods of two different kinds among something
/// known (a password, a PIN), something held (a code, a key, a phone, a smart card) and
/// something the person is (a fingerprint, a face). Risk scores, location or Windows
/// sign-in alone are no factor.
pub fn asserts_second_factor(amr: &[String]) -> bool {
    if amr.iter().any(|m| m == "mfa") {
        return true;
    }
    let kind = |m: &str| match m {
        "pwd" | "pin" | "kba" => Some(0),
        "otp" | "hwk" | "swk" | "sms" | "tel" | "sc" => Some(1),
        "fpt" | "face" | "iris" | "retina" | "vbm" => Some(2),
        _ => None,
    };
    let mut kinds: Vec<u8> = amr.iter().filter_map(|m| kind(m)).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds.len() >= 2
}

/// Why a sign-in through a provider was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The provider could not be reached, or its discovery document was unusable.
    Unreachable,
    /// The provider's discovery document or ID token names another issuer.
    WrongIssuer,
    /// The sign-in began more than ten minutes ago, was already finished, or began in another
    /// browser.
    Expired,
    /// The person cancelled at the provider, or the provider refused them.
    Cancelled,
    /// The provider did not accept the code (already used, or not its own).
    CodeRefused,
    /// The ID token failed its checks (signature, audience, nonce, time).
    BadToken,
    /// The provider did not say the email address is verified.
    Unverified,
    /// The address's domain is not one the provider vouches for.
    OtherDomain,
    /// No active account with a role in the partnership (or in the agencies the provider
    /// serves) has this address.
    NoRole,
    /// The account works in other partnerships too, or administers the installation: only
    /// its password (and second factor) signs it in, so one partnership's provider can never
    /// open another partnership's records.
    BeyondPartnership,
}

impl Refusal {
    /// What the audit trail says.
    pub fn summary(self) -> &'static str {
        match self {
            Refusal::Unreachable => "Single sign-on refused: the provider could not be reached",
            Refusal::WrongIssuer => "Single sign-on refused: the provider named another issuer",
            Refusal::Expired => {
                "Single sign-on refused: the sign-in had expired, was used, or began elsewhere"
            }
            Refusal::Cancelled => "Single sign-on refused: cancelled or refused at the provider",
            Refusal::CodeRefused => "Single sign-on refused: the provider did not accept the code",
            Refusal::BadToken => "Single sign-on refused: the ID token failed its checks",
            Refusal::Unverified => "Single sign-on refused: the email address is not verified",
            Refusal::OtherDomain => {
                "Single sign-on refused: an email domain the provider does not vouch for"
            }
            Refusal::NoRole => "Single sign-on refused: no account with a role for this address",
            Refusal::BeyondPartnership => {
                "Single sign-on refused: the account works beyond this partnership"
            }
        }
    }

    /// What the person is told, and what to do about it.
    pub fn explain(self, provider: &str) -> [String; 2] {
        match self {
            Refusal::Unreachable => [
                format!("Learnloop could not reach {provider}'s sign-in service."),
                "Try again in a few minutes, or sign in with your email address and password.".to_owned(),
            ],
            Refusal::WrongIssuer => [
                format!("{provider}'s sign-in service did not identify itself as the one your partnership set up, so Learnloop did not trust it."),
                "Tell your partnership's business team. Until it is put right, sign in with your email address and password.".to_owned(),
            ],
            Refusal::Expired => [
                "This sign-in had expired or was already used. A sign-in must be finished within 10 minutes, in the browser it was started in.".to_owned(),
                "Start again from the sign-in page.".to_owned(),
            ],
            Refusal::Cancelled => [
                format!("{provider} did not sign you in."),
                "Start again from the sign-in page if you meant to sign in.".to_owned(),
            ],
            Refusal::CodeRefused => [
                format!("{provider} did not confirm this sign-in: its code had already been used or was not valid."),
                "Start again from the sign-in page.".to_owned(),
            ],
            Refusal::BadToken => [
                format!("The confirmation from {provider} failed Learnloop's checks, so you have not been signed in."),
                "Start again from the sign-in page. If it happens again, tell your partnership's business team.".to_owned(),
            ],
            Refusal::Unverified => [
                format!("{provider} has not confirmed that your email address is yours."),
                "Ask your organisation's IT service to verify your email address, or sign in with your email address and password.".to_owned(),
            ],
            Refusal::OtherDomain => [
                format!("{provider} does not sign in people with an email address like yours."),
                "Use your own organisation's sign-in button, or sign in with your email address and password.".to_owned(),
            ],
            Refusal::NoRole => [
                "There is no Learnloop account for your email address in this partnership.".to_owned(),
                "You need an invitation from your partnership's business team to use Learnloop. Ask them to invite you with this email address.".to_owned(),
            ],
            Refusal::BeyondPartnership => [
                "Your Learnloop account works in more than one partnership, or administers Learnloop, so it cannot be signed in through one organisation's account.".to_owned(),
                "Sign in with your email address and password.".to_owned(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn issuers_are_https_or_loopback_http_where_allowed() {
        assert!(check_issuer("https://login.microsoftonline.com/abc/v2.0", false).is_ok());
        assert!(check_issuer("http://idp.example.org", true).is_err());
        assert!(check_issuer("http://127.0.0.1:4000", false).is_err());
        assert!(check_issuer("http://127.0.0.1:4000", true).is_ok());
        assert!(check_issuer("https://10.0.0.5/", false).is_err());
        assert!(check_issuer("https://[::1]/", false).is_err());
        assert!(check_issuer("https://localhost/", false).is_err());
        assert!(check_issuer("https://idp.example.org/?x=1", false).is_err());
        assert!(check_issuer("ftp://idp.example.org", false).is_err());
        assert!(check_issuer("idp.example.org", false).is_err());
        assert!(check_issuer("", false).is_err());
    }

    #[test]
    fn domains_are_listed_lower_cased_once() {
        assert_eq!(
            parse_domains("Northbrook.gov.uk, @nhs.net\nnorthbrook.gov.uk").unwrap(),
            strings(&["northbrook.gov.uk", "nhs.net"])
        );
        assert!(parse_domains("").is_err());
        assert!(parse_domains("localhost").is_err());
        assert!(parse_domains("bad_domain.org").is_err());
        assert!(parse_domains("-x.org").is_err());
    }

    #[test]
    fn a_provider_vouches_only_for_its_own_domains_exactly() {
        let d = strings(&["northbrook.gov.uk"]);
        assert!(vouches_for(&d, "Sam@Northbrook.gov.uk"));
        assert!(!vouches_for(&d, "sam@evil-northbrook.gov.uk"));
        assert!(!vouches_for(&d, "sam@police.northbrook.gov.uk"));
        assert!(!vouches_for(&d, "sam@northbrook.gov.uk.evil.org"));
        assert!(!vouches_for(&d, "northbrook.gov.uk"));
        assert!(!vouches_for(&d, "\u{212A}im@northbrook.gov.uk"));
    }

    #[test]
    fn a_second_factor_is_mfa_or_two_methods() {
        assert!(asserts_second_factor(&strings(&["mfa"])));
        assert!(asserts_second_factor(&strings(&["pwd", "otp"])));
        assert!(asserts_second_factor(&strings(&["pin", "fpt"])));
        assert!(!asserts_second_factor(&strings(&["pwd"])));
        assert!(!asserts_second_factor(&strings(&["pwd", "pwd"])));
        assert!(!asserts_second_factor(&strings(&["pwd", "kba"])));
        assert!(!asserts_second_factor(&strings(&[
            "pwd", "rba", "wia", "geo"
        ])));
        assert!(!asserts_second_factor(&[]));
    }

    #[test]
    fn the_form_names_each_problem_against_its_field() {
        let blank = ProviderForm {
            issuer: "nope",
            ..ProviderForm::default()
        };
        let errs = check_provider(&blank, false, true).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "issuer",
                "client_id",
                "client_secret",
                "email_domains"
            ]
        );
        // Editing keeps the secret when none is typed.
        let f = ProviderForm {
            name: "Northbrook Council",
            issuer: "https://login.example.org/t/v2.0",
            client_id: "abc",
            client_secret: "",
            email_domains: "northbrook.gov.uk",
            trust_second_factor: true,
        };
        let p = check_provider(&f, false, false).unwrap();
        assert!(p.client_secret.is_empty() && p.trust_second_factor);
    }

    proptest! {
        #[test]
        fn no_address_outside_the_listed_domains_is_vouched_for(local in "[a-z]{1,8}", dom in "[a-z]{1,10}\\.[a-z]{2,4}") {
            let listed = strings(&["northbrook.gov.uk"]);
            let email = format!("{local}@{dom}");
            prop_assert_eq!(vouches_for(&listed, &email), dom == "northbrook.gov.uk");
        }

        #[test]
        fn checking_input_never_panics(name in ".{0,100}", issuer in ".{0,100}", domains in ".{0,100}") {
            let f = ProviderForm { name: &name, issuer: &issuer, client_id: "id", client_secret: "s", email_domains: &domains, trust_second_factor: false };
            let _ = check_provider(&f, true, true);
        }
    }
}
