// POST …/qualityHolds → {id}; POST …/qualityHolds({id})/Microsoft.NAV.release releases it.
page 50102 "LSYNC Quality Holds API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'qualityHold';
    EntitySetName = 'qualityHolds';
    SourceTable = "LSYNC Quality Hold";
    DelayedInsert = true;
    ODataKeyFields = SystemId;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(id; Rec.SystemId) { Editable = false; }
                field(orderNo; Rec."Order No.") { }
                field(shipmentNo; Rec."Shipment No.") { }
                field(reason; Rec.Reason) { }
                field(severity; Rec.Severity) { }
                field(status; Rec.Status) { Editable = false; }
                field(releasedAt; Rec."Released At") { Editable = false; }
                field(idempotencyKey; Rec."Idempotency Key") { }
            }
        }
    }

    // A repeated idempotencyKey answers the first row (its id) instead of placing a second hold.
    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    var
        First: Record "LSYNC Quality Hold";
    begin
        if (Rec."Idempotency Key" = '') or (Rec."Order No." = '') then
            Error('orderNo and idempotencyKey are required.');
        First.SetRange("Idempotency Key", Rec."Idempotency Key");
        if First.FindFirst() then begin
            Rec := First;
            exit(false);
        end;
        Rec.Status := Rec.Status::active;
        exit(true);
    end;

    // Bound action: releasing twice keeps the first release time (logistics-sync retries with the same key).
    [ServiceEnabled]
    procedure release(var ActionContext: WebServiceActionContext)
    begin
        if Rec.Status <> Rec.Status::released then begin
            Rec.Status := Rec.Status::released;
            Rec."Released At" := CurrentDateTime();
            Rec.Modify(true);
        end;
        ActionContext.SetObjectType(ObjectType::Page);
        ActionContext.SetObjectId(Page::"LSYNC Quality Holds API");
        ActionContext.AddEntityKey(Rec.FieldNo(SystemId), Rec.SystemId);
        ActionContext.SetResultCode(WebServiceActionResultCode::Updated);
    end;
}
